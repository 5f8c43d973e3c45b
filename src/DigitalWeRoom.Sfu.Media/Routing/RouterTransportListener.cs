using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Hooks a <see cref="WebRtcTransport"/> to the router: its decrypted RTP/RTCP go to <see cref="Media"/> (on the
/// transport's receive thread), state changes to the optional callback. Create it first, pass it as
/// <see cref="WebRtcTransportOptions.Listener"/>, then attach the <see cref="MediaTransport"/> made for that transport
/// with <c>router.CreateTransport(id, new WebRtcTransportSender(transport))</c>. Packets before attachment are dropped.
/// </summary>
internal sealed class RouterTransportListener(Action<WebRtcTransport, WebRtcTransportState>? onStateChanged = null) : IWebRtcTransportListener
{
    private MediaTransport? _media;
    private long _unattached;

    public MediaTransport? Media
    {
        get => Volatile.Read(ref _media);
        set => Volatile.Write(ref _media, value);
    }

    /// <summary>Packets that arrived before a <see cref="MediaTransport"/> was attached.</summary>
    public long UnattachedPackets => Interlocked.Read(ref _unattached);

    public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state) => onStateChanged?.Invoke(transport, state);

    public void OnRtp(WebRtcTransport transport, PooledPacket packet)
    {
        if (Volatile.Read(ref _media) is { } media) media.OnRtp(packet);
        else Interlocked.Increment(ref _unattached);
    }

    public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
    {
        if (Volatile.Read(ref _media) is { } media) media.OnRtcp(packet);
        else Interlocked.Increment(ref _unattached);
    }
}
