namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>Media kind label of traffic series.</summary>
public enum TrafficKind : byte
{
    Audio = 0,
    Video = 1,
}

/// <summary>Whether a packet is an original or a retransmission (RTX or a repeated packet for a NACK).</summary>
public enum Transmission : byte
{
    Original = 0,
    Retransmit = 1,
}

/// <summary>
/// Running totals a <see cref="ITrafficSource"/> adds into at scrape time. The owners keep their own
/// Interlocked counters on the packet path; nothing here is touched per packet.
/// </summary>
public sealed class TrafficTotals
{
    internal const int Slots = 4;

    /// <summary>Indexed by <see cref="Slot"/> (kind × transmission).</summary>
    public long[] PacketsIn { get; } = new long[Slots];

    public long[] BytesIn { get; } = new long[Slots];

    public long[] PacketsOut { get; } = new long[Slots];

    public long[] BytesOut { get; } = new long[Slots];

    /// <summary>NACK/PLI/FIR feedback packets: In = received from subscribers, Out = sent to publishers.</summary>
    public long NacksIn { get; set; }

    public long NacksOut { get; set; }

    public long PlisIn { get; set; }

    public long PlisOut { get; set; }

    public long FirsIn { get; set; }

    public long FirsOut { get; set; }

    /// <summary>Videos paused for a subscriber because its downlink estimate could not carry their lowest layer, and resumed.</summary>
    public long BandwidthPauses { get; set; }

    public long BandwidthResumes { get; set; }

    /// <summary>NACKed packets not resent because the subscriber's retransmission budget (a share of its estimate) was spent.</summary>
    public long RetransmissionsOverBudget { get; set; }

    /// <summary>Bandwidth probe packets (padding-only RTX) sent to subscribers, and their bytes.</summary>
    public long ProbePackets { get; set; }

    public long ProbeBytes { get; set; }

    /// <summary>RTP packets the publishers' streams lost (RFC 3550 A.3 cumulative lost) and expected.</summary>
    public long PacketsLost { get; set; }

    public long PacketsExpected { get; set; }

    /// <summary>Packets lost on the way to subscribers: the sum of their latest reception reports' cumulative lost (RFC 3550 §6.4.1).</summary>
    public long PacketsLostOut { get; set; }

    /// <summary>Sum of the interarrival jitter of the current streams in seconds, and how many streams.</summary>
    public double JitterSecondsSum { get; set; }

    public int JitterStreams { get; set; }

    public long IceFailures { get; set; }

    public long DtlsFailures { get; set; }

    public long ConsentExpiries { get; set; }

    public static int Slot(TrafficKind kind, Transmission transmission) => ((int)kind * 2) + (int)transmission;

    public long TotalPacketsIn => PacketsIn.Sum();

    public long TotalPacketsOut => PacketsOut.Sum();

    public long TotalBytesIn => BytesIn.Sum();

    public long TotalBytesOut => BytesOut.Sum();

    internal void Add(TrafficTotals other)
    {
        for (var i = 0; i < Slots; i++)
        {
            PacketsIn[i] += other.PacketsIn[i];
            BytesIn[i] += other.BytesIn[i];
            PacketsOut[i] += other.PacketsOut[i];
            BytesOut[i] += other.BytesOut[i];
        }

        NacksIn += other.NacksIn;
        NacksOut += other.NacksOut;
        PlisIn += other.PlisIn;
        PlisOut += other.PlisOut;
        FirsIn += other.FirsIn;
        FirsOut += other.FirsOut;
        BandwidthPauses += other.BandwidthPauses;
        BandwidthResumes += other.BandwidthResumes;
        RetransmissionsOverBudget += other.RetransmissionsOverBudget;
        ProbePackets += other.ProbePackets;
        ProbeBytes += other.ProbeBytes;
        PacketsLost += other.PacketsLost;
        PacketsExpected += other.PacketsExpected;
        PacketsLostOut += other.PacketsLostOut;
        IceFailures += other.IceFailures;
        DtlsFailures += other.DtlsFailures;
        ConsentExpiries += other.ConsentExpiries;
        // Jitter is a current value, not a running total: it is not kept for retired sources.
    }
}

/// <summary>
/// An owner of media counters (a router, a UDP endpoint, a transport) that metrics read at scrape time.
/// <see cref="AddTo"/> must only read (Volatile/Interlocked) and add; it may run on any thread.
/// </summary>
public interface ITrafficSource
{
    void AddTo(TrafficTotals totals);
}
