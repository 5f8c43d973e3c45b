using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Router-wide counters, plain Interlocked fields readable by metrics. Drops are counted by
/// <see cref="DropReason"/> (QueueOverflow, NoRoute, RTP/RTCP parse reasons, NotConnected for failed sends).
/// </summary>
internal sealed class MediaCounters
{
    private long _receivedPackets;
    private long _forwardedPackets;
    private long _forwardedBytes;
    private long _rtcpSent;
    private long _keyFrameRequestsSent;
    private long _keyFrameRequestsThrottled;

    public DropCounters Drops { get; } = new();

    public long ReceivedPackets => Volatile.Read(ref _receivedPackets);

    /// <summary>RTP packets handed to a subscriber transport (after rewrite), and their bytes before SRTP.</summary>
    public long ForwardedPackets => Volatile.Read(ref _forwardedPackets);

    public long ForwardedBytes => Volatile.Read(ref _forwardedBytes);

    public long RtcpSent => Volatile.Read(ref _rtcpSent);

    public long KeyFrameRequestsSent => Volatile.Read(ref _keyFrameRequestsSent);

    public long KeyFrameRequestsThrottled => Volatile.Read(ref _keyFrameRequestsThrottled);

    internal void OnReceived() => Interlocked.Increment(ref _receivedPackets);

    internal void OnForwarded(int bytes)
    {
        Interlocked.Increment(ref _forwardedPackets);
        Interlocked.Add(ref _forwardedBytes, bytes);
    }

    internal void OnRtcpSent() => Interlocked.Increment(ref _rtcpSent);

    internal void OnKeyFrameRequestSent() => Interlocked.Increment(ref _keyFrameRequestsSent);

    internal void OnKeyFrameRequestThrottled() => Interlocked.Increment(ref _keyFrameRequestsThrottled);
}
