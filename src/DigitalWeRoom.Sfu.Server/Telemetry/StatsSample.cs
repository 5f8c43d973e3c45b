namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>One point of the dashboard's time series (rates over the interval that ended at <see cref="Time"/>).</summary>
public sealed record StatsSample
{
    /// <summary>Unix time in milliseconds.</summary>
    public long Time { get; init; }

    public int Rooms { get; init; }

    public int Participants { get; init; }

    public int RoomsP2p { get; init; }

    public int RoomsSwitching { get; init; }

    public int RoomsSfu { get; init; }

    public int ParticipantsP2p { get; init; }

    public int ParticipantsSfu { get; init; }

    /// <summary>Bits per second received from publishers / sent to subscribers (RTP payload + headers, before SRTP).</summary>
    public double BitrateIn { get; init; }

    public double BitrateOut { get; init; }

    public double PacketsInPerSecond { get; init; }

    public double PacketsOutPerSecond { get; init; }

    /// <summary>Fraction of publisher packets lost in the interval.</summary>
    public double LossRatio { get; init; }

    /// <summary>Fraction of the packets sent to subscribers that their receiver reports say were lost in the interval.</summary>
    public double LossRatioOut { get; init; }

    public double DropsPerSecond { get; init; }

    /// <summary>Share of all cores, 0..100.</summary>
    public double CpuPercent { get; init; }

    public long MemoryBytes { get; init; }
}
