using System.Buffers.Binary;
using System.Diagnostics;
using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.LoadTest.Participants;

/// <summary>
/// A subscriber's RTCP receiver reports (RFC 3550 §6.4.2), as a browser sends them about once a second: an RR with a
/// report block per SSRC it receives, then an SDES CNAME (§6.1: every compound starts with SR/RR and carries CNAME).
/// The SSRCs are those the server's offers announce (<c>a=ssrc</c>) and those seen in RTP. A probe feeds every RTP
/// packet and SR in (<see cref="OnRtp"/>, <see cref="OnSenderReport"/>), so its blocks carry the extended highest
/// sequence number, loss (RFC 3550 A.3) and LSR/DLSR; a sink reads nothing, so its blocks name the announced SSRCs
/// with nothing lost, as a client on a clean network reports. Thread-safe: RTP on the receive thread, reports on a timer.
/// </summary>
internal sealed class ReceptionReporter
{
    /// <summary>RFC 3550 §6.4.2: at most 31 report blocks per RR; more SSRCs go into further compounds.</summary>
    public const int MaxBlocksPerReport = 31;

    private readonly object _gate = new();
    private readonly Dictionary<uint, Entry> _entries = [];
    private readonly List<uint> _order = [];
    private readonly byte[] _cname;

    public ReceptionReporter(uint ssrc, string cname)
    {
        Ssrc = ssrc;
        _cname = System.Text.Encoding.ASCII.GetBytes(cname.Length > 255 ? cname[..255] : cname);
    }

    /// <summary>Our own SSRC (the RR's sender SSRC and the SDES chunk's).</summary>
    public uint Ssrc { get; }

    /// <summary>SSRCs reported on.</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _order.Count;
        }
    }

    /// <summary>Compounds written so far.</summary>
    public long ReportsWritten { get; private set; }

    /// <summary>An SSRC the server announced for a stream it sends us.</summary>
    public void Announce(uint ssrc)
    {
        if (ssrc == 0) return;
        lock (_gate) _ = GetOrAdd(ssrc);
    }

    /// <summary>RFC 3550 A.1, reduced: extended highest sequence number and packets received per SSRC (decrypted RTP).</summary>
    public void OnRtp(ReadOnlySpan<byte> rtp)
    {
        if (rtp.Length < 12) return;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(rtp[8..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(rtp[2..]);
        lock (_gate)
        {
            Entry e = GetOrAdd(ssrc);
            if (e.Received == 0)
            {
                e.BaseSequence = seq;
                e.MaxSequence = seq;
            }
            else if ((ushort)(seq - e.MaxSequence) is > 0 and < 0x8000)
            {
                if (seq < e.MaxSequence) e.Cycles += 65536;
                e.MaxSequence = seq;
            }
            e.Received++;
        }
    }

    /// <summary>An SR from the server about <paramref name="ssrc"/>: keep the middle of its NTP timestamp for LSR (§6.4.1).</summary>
    public void OnSenderReport(uint ssrc, ulong ntpTimestamp, long nowTicks)
    {
        lock (_gate)
        {
            Entry e = GetOrAdd(ssrc);
            e.LastSr = (uint)(ntpTimestamp >> 16);
            e.LastSrAt = nowTicks;
        }
    }

    /// <summary>
    /// Writes compound number <paramref name="part"/> (RR of up to 31 blocks + SDES CNAME) into
    /// <paramref name="destination"/>; returns its length, 0 when there is no such part. Part 0 always exists (an RR
    /// with no blocks when nothing is known yet, RFC 3550 §6.4.2).
    /// </summary>
    public int Write(Span<byte> destination, int part, long nowTicks)
    {
        Span<ReceptionReport> blocks = stackalloc ReceptionReport[MaxBlocksPerReport];
        int count = 0;
        lock (_gate)
        {
            int first = part * MaxBlocksPerReport;
            if (part > 0 && first >= _order.Count) return 0;
            for (int i = first; i < _order.Count && count < MaxBlocksPerReport; i++)
            {
                blocks[count++] = _entries[_order[i]].Report(_order[i], nowTicks);
            }
        }
        int length = ReceiverReport.Write(destination, Ssrc, blocks[..count]);
        if (length == 0) return 0;
        int sdes = SourceDescription.WriteCname(destination[length..], [Ssrc], _cname);
        if (sdes == 0) return 0;
        ReportsWritten++;
        return length + sdes;
    }

    private Entry GetOrAdd(uint ssrc)
    {
        if (!_entries.TryGetValue(ssrc, out Entry? e))
        {
            e = new Entry();
            _entries[ssrc] = e;
            _order.Add(ssrc);
        }
        return e;
    }

    private sealed class Entry
    {
        public ushort BaseSequence;
        public ushort MaxSequence;
        public uint Cycles;
        public long Received;
        public long ExpectedPrior;
        public long ReceivedPrior;
        public uint LastSr;
        public long LastSrAt;

        /// <summary>RFC 3550 A.3: cumulative and interval loss; DLSR in 1/65536 s since the last SR.</summary>
        public ReceptionReport Report(uint ssrc, long nowTicks)
        {
            if (Received == 0) return new ReceptionReport(ssrc, 0, 0, 0, 0, LastSr, Dlsr(nowTicks));
            uint extendedMax = Cycles + MaxSequence;
            long expected = extendedMax - BaseSequence + 1L;
            long lost = expected - Received;
            long expectedInterval = expected - ExpectedPrior;
            long lostInterval = expectedInterval - (Received - ReceivedPrior);
            ExpectedPrior = expected;
            ReceivedPrior = Received;
            byte fraction = expectedInterval <= 0 || lostInterval <= 0 ? (byte)0 : (byte)Math.Min(255, (lostInterval << 8) / expectedInterval);
            return new ReceptionReport(ssrc, fraction, (int)Math.Clamp(lost, 0, 0x7F_FFFF), extendedMax, 0, LastSr, Dlsr(nowTicks));
        }

        private uint Dlsr(long nowTicks) =>
            LastSr == 0 ? 0 : (uint)Math.Min(uint.MaxValue, Stopwatch.GetElapsedTime(LastSrAt, nowTicks).TotalSeconds * 65536);
    }
}
