namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>What <see cref="NackGenerator.OnPacket"/> asks the caller to do.</summary>
public enum NackAction : byte
{
    None = 0,

    /// <summary>Missing packets are due: build a NACK with <see cref="NackGenerator.CollectDue"/>.</summary>
    SendNack = 1,

    /// <summary>The gap was too large to repair: the missing list was cleared; ask for a key frame instead.</summary>
    RequestKeyFrame = 2,
}

/// <summary>
/// Finds the packets missing from one incoming RTP stream and decides when to NACK them (RFC 4585 §6.2.1, §3.5):
/// a gap in the extended sequence number adds its sequence numbers (bounded; a larger gap clears the list and asks
/// for a key frame), each is NACKed at once and then again every round-trip time until it arrives (also repaired
/// through RTX, RFC 4588) or the retry limit is reached. Fed by the publisher's receive loop; <see cref="CollectDue"/>
/// also runs from the router's NACK timer, hence the (uncontended, allocation-free) lock.
/// Reordering is not loss: a packet first NACKed only once it has been missing for <see cref="ReorderDelay"/>, which
/// starts at zero and follows how late original (not retransmitted) packets turn up after their gap was seen (plus a
/// quarter, capped), decaying while gaps turn out to be real losses. Without it, a path that reorders makes the
/// publisher resend a large share of its video for nothing.
/// </summary>
public sealed class NackGenerator
{
    private const int MaxMisorder = 3000;

    private readonly object _gate = new();
    private readonly long[] _missing;
    private readonly long[] _lastSent;
    private readonly long[] _detectedAt;
    private readonly byte[] _tries;
    private readonly int _maxRetries;
    private readonly long _timestampFrequency;
    private readonly long _maxReorderTicks;
    private long _rttTicks;
    private long _reorderTicks;
    private int _lateOriginals;
    private long _highest = -1;
    private int _count;
    private int _gaveUp;

    public NackGenerator(int maxMissing, int maxRetries, TimeSpan defaultRtt, long timestampFrequency, TimeSpan? maxReorderDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMissing, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetries, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxRetries, 255);
        _missing = new long[maxMissing];
        _lastSent = new long[maxMissing];
        _detectedAt = new long[maxMissing];
        _tries = new byte[maxMissing];
        _maxReorderTicks = (long)((maxReorderDelay ?? TimeSpan.Zero).TotalSeconds * timestampFrequency);
        _maxRetries = maxRetries;
        _timestampFrequency = timestampFrequency;
        _rttTicks = (long)(defaultRtt.TotalSeconds * timestampFrequency);
    }

    /// <summary>Sequence numbers currently awaited.</summary>
    public int MissingCount
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>Missing packets given up on after the retry limit.</summary>
    public int GaveUp => Volatile.Read(ref _gaveUp);

    /// <summary>How long a newly missing packet waits before its first NACK (learned reordering; zero until seen).</summary>
    public TimeSpan ReorderDelay => TimeSpan.FromSeconds((double)Volatile.Read(ref _reorderTicks) / _timestampFrequency);

    /// <summary>Packets that were missing and then arrived as originals, not repairs (reordered, or late after a NACK).</summary>
    public int LateOriginals => Volatile.Read(ref _lateOriginals);

    /// <summary>Round-trip time used to space retries.</summary>
    public TimeSpan Rtt => TimeSpan.FromSeconds((double)Volatile.Read(ref _rttTicks) / _timestampFrequency);

    /// <summary>A measured round-trip time toward the publisher (RFC 3550 §6.4.1 LSR/DLSR).</summary>
    public void SetRtt(TimeSpan rtt)
    {
        long ticks = (long)(rtt.TotalSeconds * _timestampFrequency);
        if (ticks > 0) Volatile.Write(ref _rttTicks, ticks);
    }

    /// <summary>True when <paramref name="seq"/> (16-bit, RFC 1982 order) is awaited.</summary>
    public bool IsMissing(ushort seq)
    {
        lock (_gate)
        {
            return _highest >= 0 && IndexOf(Extend(seq)) >= 0;
        }
    }

    /// <summary>Accounts one arrived packet: an original, or a repair (<paramref name="repaired"/>: RTX, RFC 4588).</summary>
    public NackAction OnPacket(ushort seq, long now, bool repaired = false)
    {
        lock (_gate)
        {
            if (_highest < 0)
            {
                _highest = seq;
                return NackAction.None;
            }
            long ext = Extend(seq);
            long gap = ext - _highest;
            if (gap < -MaxMisorder)
            {
                // Far behind: the sender restarted its sequence (RFC 3550 A.1); start over from here.
                _highest = ext;
                _count = 0;
                return NackAction.None;
            }
            if (gap <= 0)
            {
                // Late, reordered or repaired: no longer missing.
                int index = IndexOf(ext);
                if (index >= 0)
                {
                    if (!repaired) LearnReordering(now - _detectedAt[index]);
                    RemoveAt(index);
                }
                return NackAction.None;
            }
            _highest = ext;
            if (gap == 1) return HasDueLocked(now) ? NackAction.SendNack : NackAction.None;
            long newMissing = gap - 1;
            if (newMissing > _missing.Length - _count)
            {
                // Too many to repair packet by packet (RFC 4585 §3.5.1 leaves the choice): a key frame is cheaper.
                _count = 0;
                return NackAction.RequestKeyFrame;
            }
            for (long s = ext - newMissing; s < ext; s++)
            {
                _missing[_count] = s;
                _lastSent[_count] = 0;
                _detectedAt[_count] = now;
                _tries[_count] = 0;
                _count++;
            }
            return NackAction.SendNack;
        }
    }

    /// <summary>
    /// Writes the 16-bit sequence numbers due for a NACK now (never sent, or last sent a round-trip time ago) into
    /// <paramref name="destination"/>, ascending, marks them sent, and drops those past the retry limit. Returns how many.
    /// </summary>
    public int CollectDue(long now, Span<ushort> destination)
    {
        lock (_gate)
        {
            long rtt = Volatile.Read(ref _rttTicks);
            int written = 0;
            int keep = 0;
            for (int i = 0; i < _count; i++)
            {
                bool due = IsDue(i, now, rtt);
                if (due && written < destination.Length)
                {
                    if (_tries[i] >= _maxRetries)
                    {
                        Interlocked.Increment(ref _gaveUp);
                        continue; // Given up: drop it.
                    }
                    destination[written++] = (ushort)_missing[i];
                    // Still missing after the reorder delay: a loss. Let the learned delay fade a little.
                    if (_tries[i] == 0) _reorderTicks -= _reorderTicks / 32;
                    _tries[i]++;
                    _lastSent[i] = now;
                }
                if (keep != i)
                {
                    _missing[keep] = _missing[i];
                    _lastSent[keep] = _lastSent[i];
                    _detectedAt[keep] = _detectedAt[i];
                    _tries[keep] = _tries[i];
                }
                keep++;
            }
            _count = keep;
            return written;
        }
    }

    /// <summary>Forgets everything (stream restarted).</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _count = 0;
            _highest = -1;
        }
    }

    private bool HasDueLocked(long now)
    {
        long rtt = Volatile.Read(ref _rttTicks);
        for (int i = 0; i < _count; i++)
        {
            if (IsDue(i, now, rtt)) return true;
        }
        return false;
    }

    private bool IsDue(int i, long now, long rtt) =>
        _tries[i] == 0 ? now - _detectedAt[i] >= _reorderTicks : now - _lastSent[i] >= rtt;

    /// <summary>An original arrived <paramref name="lateness"/> after its gap was seen: wait that long (and a quarter more) next time.</summary>
    private void LearnReordering(long lateness)
    {
        _lateOriginals++;
        long wanted = Math.Min(_maxReorderTicks, lateness + lateness / 4);
        if (wanted > _reorderTicks) _reorderTicks = wanted;
    }

    private long Extend(ushort seq) => _highest + (short)(seq - (ushort)_highest);

    private int IndexOf(long ext)
    {
        int index = Array.BinarySearch(_missing, 0, _count, ext);
        return index >= 0 ? index : -1;
    }

    private void RemoveAt(int index)
    {
        _count--;
        if (index < _count)
        {
            Array.Copy(_missing, index + 1, _missing, index, _count - index);
            Array.Copy(_lastSent, index + 1, _lastSent, index, _count - index);
            Array.Copy(_detectedAt, index + 1, _detectedAt, index, _count - index);
            Array.Copy(_tries, index + 1, _tries, index, _count - index);
        }
    }
}
