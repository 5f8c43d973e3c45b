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
