using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// Reception statistics of one incoming RTP stream (one SSRC): sequence tracking (RFC 3550 A.1), interarrival
/// jitter (A.8), and the per-interval loss figures of a reception report block (A.3, §6.4.1).
/// <see cref="Receive"/> is called only on the publisher's receive loop; <see cref="BuildReportBlock"/> only on the
/// loop that sends that publisher its RTCP. Fields read across the two are word-sized; a report may be one packet stale.
/// </summary>
public sealed class RtpStreamReceiver
{
    private const int MaxDropout = 3000;
    private const int MaxMisorder = 100;
    private const uint SeqMod = 1 << 16;

    private readonly int _clockRate;

    // A.1 state (receive loop).
    private bool _initialized;
    private ushort _maxSeq;
    private uint _cycles;
    private uint _baseSeq;
    private uint _badSeq = SeqMod + 1;
    private long _received;
    private long _octets;

    // A.8 state (receive loop). Jitter is kept scaled by 16 as in A.8's integer form.
    private long _lastTransit;
    private bool _haveTransit;
    private uint _jitterQ4;

    // A.3 state (report loop).
    private long _expectedPrior;
    private long _receivedPrior;

    // Last SR from the sender (§6.4.1 LSR/DLSR): middle 32 bits of its NTP timestamp and our arrival time.
    private uint _lastSrNtpMiddle;
    private long _lastSrArrivalTimestamp;

    public RtpStreamReceiver(uint ssrc, int clockRate)
    {
        Ssrc = ssrc;
        _clockRate = clockRate;
    }

    /// <summary>The stream's SSRC; set late when the stream was bound by MID/RID.</summary>
    public uint Ssrc { get; internal set; }

    public int ClockRate => _clockRate;

    public long PacketsReceived => Volatile.Read(ref _received);

    public long OctetsReceived => Volatile.Read(ref _octets);

    /// <summary>Extended highest sequence number received (cycles &lt;&lt; 16 | max_seq).</summary>
    public uint ExtendedHighestSequence => _cycles + _maxSeq;

    /// <summary>Packets expected so far (A.3: extended highest − base + 1); read from any thread, may be one packet stale.</summary>
    public long PacketsExpected => _initialized ? (long)ExtendedHighestSequence - _baseSeq + 1 : 0;

    /// <summary>Packets lost so far (A.3 cumulative lost, never negative: duplicates do not make it go below 0).</summary>
    public long PacketsLost => Math.Max(0, PacketsExpected - PacketsReceived);

    /// <summary>Interarrival jitter in RTP timestamp units (A.8).</summary>
    public uint Jitter => _jitterQ4 >> 4;

    /// <summary>
    /// Accounts one packet. <paramref name="arrivalRtpUnits"/> is the arrival time converted to this stream's clock.
    /// Returns false for a packet A.1 judges out of sequence by a large jump (the first of a possible restart).
    /// </summary>
    public bool Receive(ushort seq, uint rtpTimestamp, long arrivalRtpUnits, int payloadLength)
    {
        if (!_initialized)
        {
            InitSequence(seq);
            _initialized = true;
        }
        else
        {
            ushort delta = (ushort)(seq - _maxSeq);
            if (delta < MaxDropout)
            {
                if (seq < _maxSeq)
                {
                    _cycles += SeqMod; // wrapped
                }
                _maxSeq = seq;
            }
            else if (delta <= SeqMod - MaxMisorder)
            {
                // Very large jump.
                if (seq == _badSeq)
                {
                    // Two sequential packets: the sender restarted; resync (A.1).
                    InitSequence(seq);
                }
                else
                {
                    _badSeq = (uint)((seq + 1) & (SeqMod - 1));
                    return false;
                }
            }
            // else: duplicate or reordered packet, counted below.
        }
        _received++;
        _octets += payloadLength;

        // A.8: J += (|D| - J) / 16, in 1/16 units.
        long transit = arrivalRtpUnits - rtpTimestamp;
        if (_haveTransit)
        {
            long d = transit - _lastTransit;
            if (d < 0) d = -d;
            if (d > int.MaxValue) d = int.MaxValue;
            _jitterQ4 = (uint)(_jitterQ4 + d - ((_jitterQ4 + 8) >> 4));
        }
        _lastTransit = transit;
        _haveTransit = true;
        return true;
    }

    private void InitSequence(ushort seq)
    {
        _baseSeq = seq;
        _maxSeq = seq;
        _badSeq = SeqMod + 1;
        _cycles = 0;
        _received = 0;
        _receivedPrior = 0;
        _expectedPrior = 0;
    }

    /// <summary>Records an incoming sender report (§6.4.1: LSR = middle 32 bits of its NTP timestamp).</summary>
    public void OnSenderReport(ulong ntpTimestamp, long arrivalTimestamp)
    {
        Volatile.Write(ref _lastSrNtpMiddle, (uint)(ntpTimestamp >> 16));
        Volatile.Write(ref _lastSrArrivalTimestamp, arrivalTimestamp);
    }

    /// <summary>Computes one reception report block (RFC 3550 §6.4.1, A.3) and advances the interval.</summary>
    public ReceptionReport BuildReportBlock(long nowTimestamp, long timestampFrequency)
    {
        uint extendedMax = ExtendedHighestSequence;
        long expected = _initialized ? (long)extendedMax - _baseSeq + 1 : 0;
        long received = Volatile.Read(ref _received);
        long lost = expected - received;
        // Cumulative lost is a signed 24-bit value, clamped.
        int cumulativeLost = (int)Math.Clamp(lost, -0x800000, 0x7FFFFF);

        long expectedInterval = expected - _expectedPrior;
        long receivedInterval = received - _receivedPrior;
        _expectedPrior = expected;
        _receivedPrior = received;
        long lostInterval = expectedInterval - receivedInterval;
        byte fraction = expectedInterval == 0 || lostInterval <= 0
            ? (byte)0
            : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);

        uint lsr = Volatile.Read(ref _lastSrNtpMiddle);
        uint dlsr = 0;
        if (lsr != 0)
        {
            long elapsed = nowTimestamp - Volatile.Read(ref _lastSrArrivalTimestamp);
            // DLSR in units of 1/65536 s.
            dlsr = (uint)Math.Clamp(elapsed * 65536 / timestampFrequency, 0, uint.MaxValue);
        }
        return new ReceptionReport(Ssrc, fraction, cumulativeLost, extendedMax, Jitter, lsr, dlsr);
    }
}
