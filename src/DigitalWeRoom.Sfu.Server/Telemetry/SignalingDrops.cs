namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>Why a signaling message was not handled (label <c>reason</c> of <c>sfu_signaling_dropped_total</c>).</summary>
public enum SignalingDropReason
{
    /// <summary>Not decodable JSON/MessagePack.</summary>
    Malformed = 0,

    /// <summary>Decoded but refused by the validator (unknown type, missing or bad field).</summary>
    Invalid = 1,

    /// <summary>Larger than <c>Sfu:Limits:MaxMessageBytes</c>.</summary>
    TooLarge = 2,

    /// <summary>Over the per-connection message rate.</summary>
    RateLimited = 3,

    /// <summary>A room message before a join.</summary>
    NotJoined = 4,

    /// <summary>An outgoing message to a client whose send queue was full (the client is disconnected).</summary>
    SlowClient = 5,
}

/// <summary>Interlocked counts of dropped signaling messages by reason; the metrics read them at scrape time.</summary>
public sealed class SignalingDrops
{
    internal static readonly string[] Names = ["malformed", "invalid", "too_large", "rate_limited", "not_joined", "slow_client"];

    private readonly long[] _counts = new long[Names.Length];

    public void Increment(SignalingDropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long Get(SignalingDropReason reason) => Volatile.Read(ref _counts[(int)reason]);
}
