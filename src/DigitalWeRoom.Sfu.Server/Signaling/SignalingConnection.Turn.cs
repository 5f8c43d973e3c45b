using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// TURN credentials for meetings longer than their TTL: minted TURN REST-API credentials expire (coturn refuses the
/// username once its time has passed, also for refreshing an allocation), so while the participant is in a room the
/// server sends fresh <c>iceServers</c> (<c>ice-servers</c>) every <see cref="Turn.TurnRestCredentials.RefreshInterval"/>
/// and the page applies them with <c>RTCPeerConnection.setConfiguration</c> (W3C webrtc-pc §4.4.1.6).
/// </summary>
internal sealed partial class SignalingConnection
{
    private ITimer? _turnRefresh;

    /// <summary>The static ICE servers, then a freshly minted TURN entry when TURN is configured.</summary>
    private IReadOnlyList<IceServerInfo> FreshIceServers() =>
        Turn is { Enabled: true } turn ? [.. _iceServers, turn.Mint()] : _iceServers;

    /// <summary>After a join: schedules the refreshes (nothing without TURN).</summary>
    private void StartTurnRefresh()
    {
        if (Turn is not { Enabled: true } turn)
        {
            return;
        }
        TimeSpan period = turn.RefreshInterval;
        ITimer timer = _time.CreateTimer(static state => ((SignalingConnection)state!).SendFreshIceServers(), this, period, period);
        Interlocked.Exchange(ref _turnRefresh, timer)?.Dispose();
    }

    private void SendFreshIceServers()
    {
        if (_closing || _room is null)
        {
            return;
        }
        TrySend(new SignalMessage { Type = MessageTypes.IceServers, IceServers = FreshIceServers() });
    }

    private void StopTurnRefresh() => Interlocked.Exchange(ref _turnRefresh, null)?.Dispose();
}
