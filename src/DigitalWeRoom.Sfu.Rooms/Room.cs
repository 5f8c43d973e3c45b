using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A meeting room. All room state (participants, mode, timers, media sessions) is owned by ONE
/// control loop that reads its <see cref="RoomMailbox"/> (clients and the room itself in separate lanes); callers only post
/// commands, so nothing here takes a lock. The mode logic is <see cref="RoomModeMachine"/>; the room carries out its effects.
/// </summary>
public sealed partial class Room
{
    private const string IdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    private readonly RoomMailbox _commands = new();

    // Join order is kept: the snapshot and "participants" lists follow it.
    private readonly List<Participant> _participants = [];
    private readonly RoomSettings _settings;
    private readonly TimeProvider _time;
    private readonly IMediaSessionFactory _mediaFactory;
    private readonly ILogger _logger;
    private readonly Action<Room> _onClosed;
    private readonly IRoomEventSink _events;

    private IRoomMedia? _media;
    private RoomModeState _mode = RoomModeState.Initial;
    private long _modeSince;
    private ITimer? _timer;
    private int _timerGeneration;
    private bool _closed;
    private volatile RoomSnapshot _snapshot;
    private Task _loop = Task.CompletedTask;

    internal Room(string name, RoomSettings settings, TimeProvider time, IMediaSessionFactory mediaFactory, ILogger logger, Action<Room> onClosed,
        IRoomEventSink? events = null)
    {
        _events = events ?? new RoomEvents(logger);
        _modeSince = time.GetTimestamp();
        Name = name;
        _settings = settings;
        _time = time;
        _mediaFactory = mediaFactory;
        _logger = logger;
        _onClosed = onClosed;
        _snapshot = new RoomSnapshot(name, ModeNames.Sfu, []);
    }

    public string Name { get; }

    /// <summary>The latest published state; safe to read from any thread.</summary>
    public RoomSnapshot Snapshot => _snapshot;

    /// <summary>RTP packets forwarded by the server's media path in this room (read live, any thread).</summary>
    public long PacketsForwarded => _media?.PacketsForwarded ?? 0;

    /// <summary>Completes when the control loop has ended (the room emptied and closed).</summary>
    public Task Completion => _loop;

    internal void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Adds a participant. <see cref="JoinOutcome.RoomClosed"/> means the room emptied meanwhile: retry on a new room.</summary>
    public async ValueTask<JoinResult> JoinAsync(IParticipantConnection connection, string displayName, bool allowP2p,
        IReadOnlyList<IceServerInfo> iceServers, CancellationToken cancellationToken = default) =>
        await JoinAsync(connection, displayName, allowP2p, iceServers, videoCodecs: null, cancellationToken);

    /// <summary>As above, with the video codecs the joiner can decode and encode (null: not told, see docs/negotiation.md).</summary>
    public async ValueTask<JoinResult> JoinAsync(IParticipantConnection connection, string displayName, bool allowP2p,
        IReadOnlyList<IceServerInfo> iceServers, IReadOnlyList<string>? videoCodecs, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!await TryPostAsync(new RoomCommand.Join(connection, displayName, allowP2p, iceServers, done) { VideoCodecs = videoCodecs }, cancellationToken))
        {
            return new JoinResult(JoinOutcome.RoomClosed, null, null);
        }

        return await done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Hands a validated client message to the room.</summary>
    public ValueTask PostAsync(string participantId, SignalMessage message, CancellationToken cancellationToken = default) =>
        IgnoreResult(TryPostAsync(new RoomCommand.Signal(participantId, message), cancellationToken));

    /// <summary>Removes a participant (socket closed, leave message, ghost detection). Completes once processed.</summary>
    public async Task LeaveAsync(string participantId, string reason)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (await TryPostAsync(new RoomCommand.Leave(participantId, reason, done), CancellationToken.None))
        {
            await done.Task;
        }
    }

    /// <summary>Sends a server message to everyone in the room (e.g. <c>draining</c>).</summary>
    public ValueTask NotifyAllAsync(SignalMessage message) => IgnoreResult(TryPostAsync(new RoomCommand.Notify(message), CancellationToken.None));

    /// <summary>Completes after every command posted before it has been processed (tests, shutdown).</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (await TryPostAsync(new RoomCommand.Flush(done), CancellationToken.None))
        {
            await done.Task;
        }
    }

    private static async ValueTask IgnoreResult(ValueTask<bool> task) => await task;

    private ValueTask<bool> TryPostAsync(RoomCommand command, CancellationToken cancellationToken) =>
        _commands.PostClientAsync(command, cancellationToken);

    /// <summary>The room's own commands (timer, sessions): their own lane, so clients filling theirs cannot drop them.</summary>
    private void Post(RoomCommand command)
    {
        if (!_commands.TryPostInternal(command) && !_closed)
        {
            _logger.LogError("Room {Room}: internal command {Command} dropped, internal lane full", Name, command.GetType().Name);
        }
    }

    private async Task RunAsync()
    {
        _events.OnRoomStarted(Name);
        try
        {
            _media = _mediaFactory.CreateRoom(Name);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Room {Room}: media could not be created; the room runs without a server path", Name);
        }

        await foreach (var command in _commands.ReadAllAsync())
        {
            try
            {
                await HandleAsync(command);
            }
            catch (Exception e)
            {
                // A bug in one command must not kill the room.
                _logger.LogError(e, "Room {Room}: command {Command} failed", Name, command.GetType().Name);
            }

            if (!_closed)
            {
                PublishSnapshot();
            }
        }

        _timer?.Dispose();
        if (_media is not null)
        {
            await _media.DisposeAsync();
        }
    }

    private async ValueTask HandleAsync(RoomCommand command)
    {
        if (_closed)
        {
            // Draining after close: joins must go to a fresh room; everything else is moot.
            switch (command)
            {
                case RoomCommand.Join join:
                    join.Done.TrySetResult(new JoinResult(JoinOutcome.RoomClosed, null, null));
                    break;
                case RoomCommand.Leave leave:
                    leave.Done.TrySetResult();
                    break;
                case RoomCommand.Flush flush:
                    flush.Done.TrySetResult();
                    break;
                case RoomCommand.Admin admin:
                    admin.Cancel();
                    break;
            }

            return;
        }

        switch (command)
        {
            case RoomCommand.Join join:
                await OnReplaceSameIdentityAsync(join.Connection.Identity);
                OnJoin(join);
                break;
            case RoomCommand.Leave leave:
                await OnLeaveAsync(leave.ParticipantId, leave.Reason);
                leave.Done.TrySetResult();
                break;
            case RoomCommand.Signal signal:
                OnSignal(signal.ParticipantId, signal.Message);
                break;
            case RoomCommand.TimerFired timer:
                OnTimer(timer.Generation);
                break;
            case RoomCommand.SessionSend send:
                if (Find(send.ParticipantId) is { } target)
                {
                    target.Send(send.Message with { From = SignalTargets.Server, Target = null });
                }

                break;
            case RoomCommand.SessionStateChanged state:
                if (Find(state.ParticipantId) is { } p)
                {
                    _logger.LogInformation("Room {Room}: server connection of {Participant} is {State}", Name, p.Id, state.State);
                    if (state.State == SfuSessionState.ConsentExpired)
                    {
                        // RFC 7675 §5.1: the client vanished (no goodbye, no checks). Remove it as if it had
                        // left, and end its signaling connection, which may still be open but silent.
                        p.Connection.Disconnect(ErrorCodes.ConsentExpired, "no ICE consent from your connection for the consent timeout; rejoin");
                        await OnLeaveAsync(p.Id, "ice consent expired");
                    }
                }

                break;
            case RoomCommand.Notify notify:
                Broadcast(notify.Message, except: null);
                break;
            case RoomCommand.SessionCallback callback:
                callback.Action();
                break;
            case RoomCommand.Flush flush:
                flush.Done.TrySetResult();
                break;
            case RoomCommand.Admin admin:
                await OnAdminAsync(admin);
                break;
        }
    }

    private void OnJoin(RoomCommand.Join join)
    {
        if (_participants.Count >= _settings.MaxParticipantsPerRoom)
        {
            join.Done.TrySetResult(new JoinResult(JoinOutcome.RoomFull, this, null));
            return;
        }

        if (!TryAdmitCodec(join))
        {
            return;
        }

        var participant = new Participant(NewId(), join.DisplayName.Trim(), join.AllowP2p, join.Connection);
        var others = _participants.Select(p => p.ToInfo()).ToArray();
        _participants.Add(participant);
        join.Done.TrySetResult(new JoinResult(JoinOutcome.Joined, this, participant.Id));

        participant.Send(new SignalMessage
        {
            Type = MessageTypes.Joined,
            Room = Name,
            ParticipantId = participant.Id,
            Participants = others,
            // A newcomer always starts on the server path: a third ends any P2P pairing, and a second
            // is told to switch right after this message.
            Mode = ModeNames.Sfu,
            Name = participant.Name,
            IceServers = join.IceServers,
            VideoCodec = _videoCodec,
        });
        Broadcast(new SignalMessage { Type = MessageTypes.ParticipantJoined, Participant = participant.ToInfo() }, except: participant);
        _events.OnParticipantJoined(Name, participant.ToInfo(), _participants.Count);
        _logger.LogInformation("Room {Room}: {Participant} ({Name}) joined, {Count} present", Name, participant.Id, participant.Name, _participants.Count);

        if (_media is not null)
        {
            try
            {
                participant.Session = _media.CreateSession(participant.Id, new SessionHost(this, participant.Id));
                participant.Session?.SetPermissions(join.Connection.CanPublish, join.Connection.CanSubscribe);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Room {Room}: server session for {Participant} could not be created", Name, participant.Id);
            }
        }

        OnMembershipChanged(_participants.Count - 1, participant, joined: true);
    }

    private async ValueTask OnLeaveAsync(string participantId, string reason)
    {
        var participant = Find(participantId);
        if (participant is null)
        {
            return;
        }

        _participants.Remove(participant);
        _logger.LogInformation("Room {Room}: {Participant} left ({Reason}), {Count} present", Name, participantId, reason, _participants.Count);
        Broadcast(new SignalMessage { Type = MessageTypes.ParticipantLeft, ParticipantId = participantId }, except: null);
        _events.OnParticipantLeft(Name, participant.ToInfo(), _participants.Count, reason);

        if (participant.Session is { } session)
        {
            participant.Session = null;
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Room {Room}: closing the server session of {Participant} failed", Name, participantId);
            }
        }

        if (_participants.Count == 0)
        {
            Close();
            return;
        }

        OnMembershipChanged(_participants.Count + 1, participant, joined: false);
    }

    private void Close()
    {
        _closed = true;
        _commands.Complete();
        _snapshot = new RoomSnapshot(Name, ModeNames.Sfu, []);
        _onClosed(this);
        _events.OnRoomFinished(Name);
    }

    private void OnSignal(string participantId, SignalMessage message)
    {
        var sender = Find(participantId);
        if (sender is null)
        {
            return;
        }

        if (message.ParticipantId is not null && message.ParticipantId != sender.Id)
        {
            SendError(sender, ErrorCodes.NotYourId, "a participant may only send messages as itself", message.Id);
            return;
        }

        switch (message.Type)
        {
            case MessageTypes.Offer:
            case MessageTypes.Answer:
            case MessageTypes.Candidate:
                OnNegotiation(sender, message);
                break;
            case MessageTypes.P2pConnected:
                OnP2pConnected(sender);
                break;
            case MessageTypes.IceRestart:
                OnIceRestart(sender, message.Id);
                break;
            case MessageTypes.P2pFailed:
                OnP2pFailed(sender, message.Reason ?? "reported by client");
                break;
            case MessageTypes.TrackPublished:
                OnTrackPublished(sender, message.Track!);
                break;
            case MessageTypes.TrackUnpublished:
                if (sender.Tracks.RemoveAll(t => t.Id == message.Track!.Id) > 0)
                {
                    Broadcast(new SignalMessage { Type = MessageTypes.TrackUnpublished, ParticipantId = sender.Id, Track = message.Track }, except: sender);
                }

                break;
            case MessageTypes.Mute:
                if (message.Muted == false && IsMutedByOperator(sender, message.Kind!))
                {
                    SendError(sender, ErrorCodes.MutedByOperator, $"your {message.Kind} was muted by the operator; only the operator can unmute it", message.Id);
                    break;
                }

                if (message.Kind == "audio")
                {
                    sender.AudioMuted = message.Muted!.Value;
                }
                else
                {
                    sender.VideoMuted = message.Muted!.Value;
                }

                Broadcast(new SignalMessage { Type = MessageTypes.Mute, ParticipantId = sender.Id, Kind = message.Kind, Muted = message.Muted }, except: sender);
                break;
            case MessageTypes.View:
                if (sender.Session?.SetView(message.Visible ?? [], message.Pinned ?? []) is { } viewError)
                {
                    SendError(sender, viewError, "view not applied", message.Id);
                }

                break;
            case MessageTypes.RaiseHand:
                sender.HandRaised = message.Raised!.Value;
                Broadcast(new SignalMessage { Type = MessageTypes.RaiseHand, ParticipantId = sender.Id, Raised = sender.HandRaised }, except: sender);
                break;
            case MessageTypes.Chat:
                Broadcast(new SignalMessage { Type = MessageTypes.Chat, ParticipantId = sender.Id, Name = sender.Name, Text = message.Text }, except: null);
                break;
            case MessageTypes.VideoSize:
                (sender.Session as ISimulcastSession)?.SetVideoSize(message.TrackId!, message.Width!.Value, message.Height!.Value);
                break;
            default:
                SendError(sender, ErrorCodes.UnknownType, "message type not handled by rooms", message.Id);
                break;
        }
    }

    private void OnNegotiation(Participant sender, SignalMessage message)
    {
        if (message.Target == SignalTargets.Server)
        {
            if (sender.Session is not { } session)
            {
                SendError(sender, ErrorCodes.NoServerSession, "this server has no media session for you", message.Id);
                return;
            }

            switch (message.Type)
            {
                case MessageTypes.Offer:
                    SendError(sender, ErrorCodes.InvalidTarget, "the server always makes the offer on its connection; answer it", message.Id);
                    break;
                case MessageTypes.Answer:
                    if (session.ApplyAnswer(message.Sdp!) is { } error)
                    {
                        SendError(sender, ErrorCodes.InvalidSdp, error, message.Id);
                    }

                    break;
                default:
                    session.AddRemoteCandidate(message.Candidate!);
                    break;
            }

            return;
        }

        // Relay to the peer: only between the two participants of the current P2P pairing.
        var peer = PeerOf(sender);
        if (peer is null || peer.Id != message.Target)
        {
            SendError(sender, ErrorCodes.InvalidTarget, "target is neither \"server\" nor your current peer-to-peer peer", message.Id);
            return;
        }

        // RFC 8866: a description the peer's browser could not parse is refused here, not relayed.
        if (message.Sdp is not null && !Protocols.Sdp.SdpParser.TryParse(message.Sdp, out _, out var sdpError))
        {
            SendError(sender, ErrorCodes.InvalidSdp, sdpError.ToString(), message.Id);
            return;
        }

        peer.Send(new SignalMessage
        {
            Type = message.Type,
            From = sender.Id,
            Sdp = message.Sdp,
            Candidate = message.Candidate,
        });
    }

    private void OnIceRestart(Participant sender, string? id)
    {
        if (sender.Session is not { } session)
        {
            SendError(sender, ErrorCodes.NoServerSession, "no server connection to restart", id);
            return;
        }

        sender.IceRestarts ??= new IceRestartLimiter(_time, _settings.IceRestartsPerMinute, _settings.IceRestartMinInterval);
        if (!sender.IceRestarts.TryAcquire(out var limited))
        {
            SendError(sender, ErrorCodes.IceRestartRateLimited, limited, id);
            return;
        }

        if (session.RestartIce() is { } error)
        {
            SendError(sender, ErrorCodes.NoServerSession, error, id);
            return;
        }

        _logger.LogInformation("Room {Room}: ICE restart for {Participant}", Name, sender.Id);
    }

    private void OnTrackPublished(Participant sender, TrackInfo track)
    {
        if (!sender.Connection.CanPublish)
        {
            SendError(sender, ErrorCodes.NotAllowed, "your token does not allow publishing (canPublish is false)", null);
            return;
        }

        var index = sender.Tracks.FindIndex(t => t.Id == track.Id);
        if (index >= 0)
        {
            sender.Tracks[index] = track;
        }
        else if (sender.Tracks.Count < _settings.MaxTracksPerParticipant)
        {
            sender.Tracks.Add(track);
            _events.OnTrackPublished(Name, sender.ToInfo(), track, _participants.Count);
        }
        else
        {
            // Over the limit: only the sender hears of it; the room and the others see nothing.
            SendError(sender, ErrorCodes.TooManyTracks, $"at most {_settings.MaxTracksPerParticipant} published tracks per participant; unpublish one first", null);
            return;
        }

        Broadcast(new SignalMessage { Type = MessageTypes.TrackPublished, ParticipantId = sender.Id, Track = track }, except: sender);
    }

    // ---- Mode state machine (RoomModeMachine decides; the room carries out its effects) --------------

    /// <summary>Everyone receives everyone else: the newcomer gets the list, the others only the delta.</summary>
    private void OnMembershipChanged(int previousCount, Participant changed, bool joined)
    {
        if (joined)
        {
            changed.Session?.SetSubscriptions(_participants.Where(o => o != changed).Select(o => o.Id).ToArray());
        }

        foreach (var p in _participants)
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

        Apply(new RoomModeEvent.MembershipChanged(_participants.Select(p => new ModeMember(p.Id, p.AllowP2p)).ToArray(), previousCount));
    }

    private void OnP2pConnected(Participant sender) => Apply(new RoomModeEvent.P2pConnected(sender.Id));

    private void OnP2pFailed(Participant sender, string reason) => Apply(new RoomModeEvent.P2pFailed(sender.Id, reason));

    private void OnTimer(int generation)
    {
        if (generation != _timerGeneration)
        {
            return;
        }

        _timer?.Dispose();
        _timer = null;
        Apply(new RoomModeEvent.TimerFired());
    }

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
                    Find(forwarding.ParticipantId)?.Session?.SetForwarding(forwarding.Enabled);
                    break;
                case RoomModeEffect.SendMode mode:
                    Find(mode.ParticipantId)?.Send(new SignalMessage
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
        _events.OnModeSwitched(Name, ModeNames.ToWire(changed.From), ModeNames.ToWire(changed.To), spent);
        if (changed.To == RoomMode.Switching)
        {
            _logger.LogInformation("Room {Room}: switching to peer-to-peer, {Initiator} offers to {Peer}", Name, _mode.PairLow, _mode.PairHigh);
        }
        else if (changed.To == RoomMode.PeerToPeer)
        {
            _logger.LogInformation("Room {Room}: peer-to-peer connected", Name);
        }
        else
        {
            _logger.LogInformation("Room {Room}: via server ({Why})", Name, changed.Why);
        }
    }

    private Participant? PeerOf(Participant p) => _mode.PeerOf(p.Id) is { } peer ? Find(peer) : null;

    private void StartTimer(TimeSpan due)
    {
        _timer?.Dispose();
        var generation = ++_timerGeneration;
        _timer = _time.CreateTimer(static state =>
        {
            var (room, gen) = ((Room, int))state!;
            room.Post(new RoomCommand.TimerFired(gen));
        }, (this, generation), due, Timeout.InfiniteTimeSpan);
    }

    private void CancelTimer()
    {
        _timer?.Dispose();
        _timer = null;
        _timerGeneration++;
    }

    // ---- Helpers ------------------------------------------------------------------------------

    private Participant? Find(string id) => _participants.Find(p => p.Id == id);

    private void Broadcast(SignalMessage message, Participant? except)
    {
        foreach (var p in _participants)
        {
            if (!ReferenceEquals(p, except))
            {
                p.Send(message);
            }
        }
    }

    private static void SendError(Participant p, string code, string reason, string? id) =>
        p.Send(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason, Id = id });

    private void PublishSnapshot() =>
        _snapshot = new RoomSnapshot(Name, ModeNames.ToWire(_mode.Mode), _participants.Select(p => p.ToInfo()).ToArray()) { VideoCodec = _videoCodec };

    private static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, 10);

    /// <summary>Queues session callbacks onto the room loop. Ids are never reused, so a departed participant's calls find nobody.</summary>
    private sealed class SessionHost(Room room, string participantId) : ISfuSessionHost
    {
        public void Send(SignalMessage message) => room.Post(new RoomCommand.SessionSend(participantId, message));

        public void ReportState(SfuSessionState state) => room.Post(new RoomCommand.SessionStateChanged(participantId, state));

        public void Post(Action action) => room.Post(new RoomCommand.SessionCallback(action));
    }
}
