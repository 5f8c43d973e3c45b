using System.Net;

namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>
/// Readiness of the media UDP socket. Whoever binds it reports here: <see cref="ReportStarting"/> when
/// the media path is configured, then <see cref="ReportBound"/> or <see cref="ReportBindFailed"/>.
/// A host without a media path never reports and stays <see cref="MediaSocketStatus.NotConfigured"/>
/// (ready: rooms still work peer-to-peer).
/// </summary>
public sealed class MediaSocketState
{
    private volatile Snapshot _state = new(MediaSocketStatus.NotConfigured, null, null);

    public MediaSocketStatus Status => _state.Status;

    public IPEndPoint? LocalEndPoint => _state.EndPoint;

    public string? Error => _state.Error;

    public void ReportStarting() => _state = new(MediaSocketStatus.Starting, null, null);

    public void ReportBound(IPEndPoint localEndPoint) => _state = new(MediaSocketStatus.Bound, localEndPoint, null);

    public void ReportBindFailed(string error) => _state = new(MediaSocketStatus.Failed, null, error);

    /// <summary>
    /// Binds through <paramref name="bind"/> (e.g. <c>() =&gt; new UdpEndpoint(options)</c>) and reports the
    /// outcome: bound with the socket's local end point, or failed with the socket error (then rethrows).
    /// </summary>
    public T Track<T>(Func<T> bind, Func<T, IPEndPoint> localEndPoint)
    {
        ReportStarting();
        try
        {
            var bound = bind();
            ReportBound(localEndPoint(bound));
            return bound;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            ReportBindFailed($"{e.SocketErrorCode}: {e.Message}");
            throw;
        }
    }

    public void ReportClosed() => _state = new(MediaSocketStatus.Failed, null, "closed");

    private sealed record Snapshot(MediaSocketStatus Status, IPEndPoint? EndPoint, string? Error);
}

public enum MediaSocketStatus
{
    NotConfigured,
    Starting,
    Bound,
    Failed,
}
