namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>
/// What one subscriber saw of one publisher's stream, keyed by the 64-bit sequence in our payload stamp (so RTP
/// sequence rewriting by the server does not matter). Loss = expected − unique received, with duplicates and
/// reordering accounted through a 4,096-packet bitmap window; packets older than the window are counted as late and
/// not as received. One writer (the subscriber's receive thread).
/// Jitter follows RFC 3550 §6.4.1 (J += (|D| − J)/16) on the send/receive clock difference, in microseconds.
/// </summary>
internal sealed class StreamReceiveStats
{
    private const int WindowBits = 4096;
    private readonly ulong[] _window = new ulong[WindowBits / 64];
    private long _lastTransit = long.MinValue;

    public long First { get; private set; } = -1;

    public long Highest { get; private set; } = -1;

    public long Unique { get; private set; }

    public long Duplicates { get; private set; }

    public long Reordered { get; private set; }

    public long TooLate { get; private set; }

    public double JitterMicros { get; private set; }

    public LatencyHistogram Latency { get; } = new();

    public bool Any => First >= 0;

    /// <summary>Packets expected from the first received up to <paramref name="lastSent"/> (or the highest received).</summary>
    public long Expected(long lastSent = -1) => First < 0 ? 0 : Math.Max(Highest, lastSent) - First + 1;

    public long Lost(long lastSent = -1) => Math.Max(0, Expected(lastSent) - Unique);

    public void OnPacket(long sequence, long latencyMicros)
    {
        if (First < 0)
        {
            First = sequence;
            Highest = sequence;
            Mark(sequence);
            Accept(latencyMicros);
            return;
        }
        if (sequence < First)
        {
            // Earlier than the first one we saw: it arrived reordered around our start; extend the start.
            if (First - sequence >= WindowBits || Highest - sequence >= WindowBits)
            {
                TooLate++;
                return;
            }
            for (long s = sequence; s < First; s++) Clear(s);
            First = sequence;
            Reordered++;
            Mark(sequence);
            Accept(latencyMicros);
            return;
        }
        if (sequence > Highest)
        {
            long advance = sequence - Highest;
            if (advance >= WindowBits)
            {
                Array.Clear(_window);
            }
            else
            {
                for (long s = Highest + 1; s <= sequence; s++) Clear(s);
            }
            Highest = sequence;
            Mark(sequence);
            Accept(latencyMicros);
            return;
        }
        if (Highest - sequence >= WindowBits)
        {
            TooLate++;
            return;
        }
        if (IsMarked(sequence))
        {
            Duplicates++;
            return;
        }
        Reordered++;
        Mark(sequence);
        Accept(latencyMicros);
    }

    private void Accept(long latencyMicros)
    {
        Unique++;
        Latency.Record(latencyMicros);
        if (_lastTransit != long.MinValue)
        {
            double d = Math.Abs(latencyMicros - _lastTransit);
            JitterMicros += (d - JitterMicros) / 16.0;
        }
        _lastTransit = latencyMicros;
    }

    private void Mark(long s) => _window[(s / 64) % _window.Length] |= 1UL << (int)(s % 64);

    private void Clear(long s) => _window[(s / 64) % _window.Length] &= ~(1UL << (int)(s % 64));

    private bool IsMarked(long s) => (_window[(s / 64) % _window.Length] & (1UL << (int)(s % 64))) != 0;
}
