using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// The ICE servers of one signaling connection: the static ones, then a TURN entry minted per join when TURN is
/// configured. Minted TURN REST-API credentials expire (coturn refuses the username once its time has passed, also for
/// refreshing an allocation), so while the participant is in a room it sends fresh <c>iceServers</c>
/// (<c>ice-servers</c>) every <see cref="Turn.TurnRestCredentials.RefreshInterval"/>, and the page applies them with
/// <c>RTCPeerConnection.setConfiguration</c> (W3C webrtc-pc §4.4.1.6).
/// </summary>
internal sealed class IceServerRefresh(IReadOnlyList<IceServerInfo> staticServers, Turn.TurnRestCredentials? turn, TimeProvider time)
{
    private ITimer? _timer;

    /// <summary>The static ICE servers, then a freshly minted TURN entry when TURN is configured.</summary>
    public IReadOnlyList<IceServerInfo> Fresh() =>
        turn is { Enabled: true } ? [.. staticServers, turn.Mint()] : staticServers;

    /// <summary>After a join: schedules the refreshes to <paramref name="connection"/> (nothing without TURN).</summary>
    public void Start(IParticipantConnection connection)
    {
        if (turn is not { Enabled: true })
        {
            return;
        }
        TimeSpan period = turn.RefreshInterval;
        ITimer timer = time.CreateTimer(
            static state =>
            {
                var (refresh, to) = ((IceServerRefresh, IParticipantConnection))state!;
                to.TrySend(new SignalMessage { Type = MessageTypes.IceServers, IceServers = refresh.Fresh() });
            },
            (this, connection), period, period);
        Interlocked.Exchange(ref _timer, timer)?.Dispose();
    }

    /// <summary>After a leave or when the connection closes: no more refreshes.</summary>
    public void Stop() => Interlocked.Exchange(ref _timer, null)?.Dispose();
}
