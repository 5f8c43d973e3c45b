using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// Carries out the room's P2P/switching/SFU mode: <see cref="RoomModeMachine"/> decides, this applies its effects
/// (mode messages, forwarding pause/resume on the sessions, the switch timer) and keeps the state, the time spent in
/// the current mode and the timer. The timer posts <see cref="RoomCommand.TimerFired"/> to the room's own lane, so
/// everything here runs on the room's control loop.
/// </summary>
internal sealed class RoomModeDriver : IDisposable
{
    private readonly string _room;
    private readonly RoomMembers _members;
    private readonly RoomSettings _settings;
    private readonly TimeProvider _time;
    private readonly IRoomEventSink _events;
    private readonly ILogger _logger;
    private readonly Action<RoomCommand> _post;
    private RoomModeState _mode = RoomModeState.Initial;
    private long _modeSince;
    private ITimer? _timer;
    private int _timerGeneration;

    /// <param name="post">The room's internal lane (its mailbox): where the timer's command goes.</param>
    internal RoomModeDriver(string room, RoomMembers members, RoomSettings settings, TimeProvider time, IRoomEventSink events, ILogger logger,
        Action<RoomCommand> post)
    {
        _room = room;
        _members = members;
        _settings = settings;
        _time = time;
        _events = events;
        _logger = logger;
        _post = post;
        _modeSince = time.GetTimestamp();
    }

    public RoomMode Mode => _mode.Mode;

    /// <summary>
    /// A join or a leave: subscriptions follow the membership (everyone receives everyone else: the newcomer gets the
    /// list, the others only the delta), then the machine decides the mode.
    /// </summary>
    public void OnMembershipChanged(int previousCount, Participant changed, bool joined)
    {
        var all = _members.All;
        if (joined)
        {
            changed.Session?.SetSubscriptions(all.Where(o => o != changed).Select(o => o.Id).ToArray());
        }

        foreach (var p in all)
        {
            if (p == changed)
            {
                continue;
            }

            if (joined)
            {
                p.Session?.Subscribe(changed.Id);
            }
            else
            {
                p.Session?.Unsubscribe(changed.Id);
            }
        }

        Apply(new RoomModeEvent.MembershipChanged(all.Select(p => new ModeMember(p.Id, p.AllowP2p)).ToArray(), previousCount));
    }

    public void OnP2pConnected(Participant sender) => Apply(new RoomModeEvent.P2pConnected(sender.Id));

    public void OnP2pFailed(Participant sender, string reason) => Apply(new RoomModeEvent.P2pFailed(sender.Id, reason));

    public void OnTimer(int generation)
    {
        if (generation != _timerGeneration)
        {
            return;
        }

        _timer?.Dispose();
        _timer = null;
        Apply(new RoomModeEvent.TimerFired());
    }

    /// <summary>The other participant of the current P2P pairing, if <paramref name="p"/> is in it.</summary>
    public Participant? PeerOf(Participant p) => _mode.PeerOf(p.Id) is { } peer ? _members.Find(peer) : null;

    private void Apply(RoomModeEvent e)
    {
        (_mode, var effects) = RoomModeMachine.Apply(_mode, e, RoomModePolicy.From(_settings));
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case RoomModeEffect.ModeChanged changed:
                    OnModeChanged(changed);
                    break;
                case RoomModeEffect.SetForwarding forwarding:
                    _members.Find(forwarding.ParticipantId)?.Session?.SetForwarding(forwarding.Enabled);
                    break;
                case RoomModeEffect.SendMode mode:
                    _members.Find(mode.ParticipantId)?.Send(new SignalMessage
                    {
                        Type = MessageTypes.Mode, Mode = ModeNames.ToWire(mode.Mode), Peer = mode.Peer, Initiator = mode.Initiator,
                    });
                    break;
                case RoomModeEffect.StartTimer timer:
                    StartTimer(timer.Due);
                    break;
                case RoomModeEffect.CancelTimer:
                    CancelTimer();
                    break;
            }
        }
    }

    /// <summary>Every mode change comes through here, so the event sinks see each one with its duration.</summary>
    private void OnModeChanged(RoomModeEffect.ModeChanged changed)
    {
        var now = _time.GetTimestamp();
        var spent = _time.GetElapsedTime(_modeSince, now);
        _modeSince = now;
        _events.OnModeSwitched(_room, ModeNames.ToWire(changed.From), ModeNames.ToWire(changed.To), spent);
        if (changed.To == RoomMode.Switching)
        {
            _logger.LogInformation("Room {Room}: switching to peer-to-peer, {Initiator} offers to {Peer}", _room, _mode.PairLow, _mode.PairHigh);
        }
        else if (changed.To == RoomMode.PeerToPeer)
        {
            _logger.LogInformation("Room {Room}: peer-to-peer connected", _room);
        }
        else
        {
            _logger.LogInformation("Room {Room}: via server ({Why})", _room, changed.Why);
        }
    }

    private void StartTimer(TimeSpan due)
    {
        _timer?.Dispose();
        var generation = ++_timerGeneration;
        _timer = _time.CreateTimer(static state =>
        {
            var (driver, gen) = ((RoomModeDriver, int))state!;
            driver._post(new RoomCommand.TimerFired(gen));
        }, (this, generation), due, Timeout.InfiniteTimeSpan);
    }

    private void CancelTimer()
    {
        _timer?.Dispose();
        _timer = null;
        _timerGeneration++;
    }

    public void Dispose() => _timer?.Dispose();
}
