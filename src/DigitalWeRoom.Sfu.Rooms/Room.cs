using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A meeting room: its mailbox and membership. All room state (participants, mode, timers, media sessions) is owned by
/// ONE control loop that reads its <see cref="RoomMailbox"/> (clients and the room itself in separate lanes); callers
/// only post commands, so nothing here takes a lock. The loop hands each command to the part that owns it: joins and
/// leaves here, client messages to <see cref="RoomSignalHandler"/>, the mode to <see cref="RoomModeDriver"/> (which
/// carries out <see cref="RoomModeMachine"/>'s effects), operator commands to <see cref="RoomOperator"/>, the video
/// codec to <see cref="RoomVideoCodec"/>.
/// </summary>
public sealed class Room
{
    private const string IdAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    private readonly RoomMailbox _commands = new();
    private readonly RoomMembers _participants = new();
    private readonly RoomSettings _settings;
    private readonly IMediaSessionFactory _mediaFactory;
    private readonly ILogger _logger;
    private readonly IRoomClosedListener _onClosed;
    private readonly IRoomEventSink _events;
    private readonly RoomModeDriver _mode;
    private readonly RoomSignalHandler _signals;
    private readonly RoomOperator _operator;
    private readonly RoomVideoCodec _videoCodec;

    private readonly TimeProvider _time;
    private IRoomMedia? _media;

    /// <summary>Armed by the first join or leave told in a batch; when it fires every member is told (PresenceBatch).</summary>
    private ITimer? _presenceWindow;
    private bool _closed;
    private volatile RoomSnapshot _snapshot;
    private Task _loop = Task.CompletedTask;

    internal Room(string name, RoomSettings settings, TimeProvider time, IMediaSessionFactory mediaFactory, ILogger logger, IRoomClosedListener onClosed,
        IRoomEventSink? events = null)
    {
        _events = events ?? new RoomEvents(logger);
        Name = name;
        _settings = settings;
        _time = time;
        _mediaFactory = mediaFactory;
        _logger = logger;
        _onClosed = onClosed;
        _mode = new RoomModeDriver(name, _participants, settings, time, _events, logger, Post);
        _signals = new RoomSignalHandler(name, _participants, _mode, settings, time, _events, logger);
        _operator = new RoomOperator(name, _participants, logger);
        _videoCodec = new RoomVideoCodec(name, settings.VideoCodecs, logger);
        _snapshot = new RoomSnapshot(name, ModeNames.Sfu, []);
    }

    public string Name { get; }

    /// <summary>The latest published state; safe to read from any thread.</summary>
    public RoomSnapshot Snapshot => _snapshot;

    /// <summary>RTP packets forwarded by the server's media path in this room (read live, any thread).</summary>
    public long PacketsForwarded => _media?.PacketsForwarded ?? 0;

    /// <summary>Completes when the control loop has ended (the room emptied and closed).</summary>
    public Task Completion => _loop;

    /// <summary>The video codec the room forwards; null until the first participant joined.</summary>
    public string? VideoCodec => _videoCodec.Codec;

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

    /// <summary>
    /// Removes a participant: it gets an <c>error</c> with code <c>removed</c> and its connection is closed; the
    /// others get <c>participant-left</c>; the room keeps running (it closes only if it is now empty).
    /// </summary>
    public Task<AdminOutcome> RemoveParticipantAsync(string participantId, string reason) =>
        RunAdminAsync(done => new RoomCommand.RemoveParticipant(participantId, reason, done));

    /// <summary>
    /// Mutes (or unmutes) what a participant publishes of one kind, named by <paramref name="kind"/> ("audio",
    /// "video") or by one of its published <paramref name="trackId"/>s: the server stops forwarding it and everyone,
    /// the owner included, gets a <c>mute</c> message. Until the operator unmutes, the owner cannot unmute itself.
    /// </summary>
    public Task<AdminOutcome> MuteAsync(string participantId, string? trackId, string? kind, bool muted) =>
        RunAdminAsync(done => new RoomCommand.MuteTrack(participantId, trackId, kind, muted, done));

    /// <summary>Closes the room: everyone gets an <c>error</c> with code <c>room-closed</c> and is disconnected; the room is removed.</summary>
    public Task<AdminOutcome> CloseAsync(string reason) =>
        RunAdminAsync(done => new RoomCommand.CloseRoom(reason, done));

    private async Task<AdminOutcome> RunAdminAsync(Func<TaskCompletionSource<AdminOutcome>, RoomCommand.Admin> create)
    {
        var done = new TaskCompletionSource<AdminOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        return await TryPostAsync(create(done), CancellationToken.None) ? await done.Task : AdminOutcome.RoomClosed;
    }

    private static async ValueTask IgnoreResult(ValueTask<bool> task) => await task;

    private ValueTask<bool> TryPostAsync(RoomCommand command, CancellationToken cancellationToken) =>
        _commands.PostClientAsync(command, cancellationToken);

    /// <summary>The room's own commands (timer, sessions): their own lane, so clients filling theirs cannot drop them.</summary>
    internal void Post(RoomCommand command)
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

        _mode.Dispose();
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
                if (_operator.DismissSameIdentity(join.Connection.Identity) is { } replaced)
                {
                    await OnLeaveAsync(replaced.Id, "replaced by a new session of the same identity");
                }

                OnJoin(join);
                break;
            case RoomCommand.Leave leave:
                await OnLeaveAsync(leave.ParticipantId, leave.Reason);
                leave.Done.TrySetResult();
                break;
            case RoomCommand.Signal signal:
                _signals.OnSignal(signal.ParticipantId, signal.Message);
                break;
            case RoomCommand.TimerFired timer:
                _mode.OnTimer(timer.Generation);
                break;
            case RoomCommand.SessionSend send:
                if (_participants.Find(send.ParticipantId) is { } target)
                {
                    target.Send(send.Message with { From = SignalTargets.Server, Target = null });
                }

                break;
            case RoomCommand.SessionStateChanged state:
                if (_participants.Find(state.ParticipantId) is { } p)
                {
                    _logger.LogInformation("Room {Room}: server connection of {Participant} is {State}", Name, p.Id, state.State);
                    if (Terminal(state.State) is { } end)
                    {
                        p.Connection.Disconnect(end.Code, end.Message);
                        await OnLeaveAsync(p.Id, end.Reason);
                    }
                }

                break;
            case RoomCommand.Notify notify:
                _participants.Broadcast(notify.Message, except: null);
                break;
            case RoomCommand.SessionCallback callback:
                callback.Action();
                break;
            case RoomCommand.PresenceDue:
                _presenceWindow?.Dispose();
                _presenceWindow = null;
                _participants.TellPresence();
                break;
            case RoomCommand.Flush flush:
                flush.Done.TrySetResult();
                break;
            case RoomCommand.Admin admin:
                await OnAdminAsync(admin);
                break;
        }
    }

    private async ValueTask OnAdminAsync(RoomCommand.Admin command)
    {
        switch (command)
        {
            case RoomCommand.RemoveParticipant remove:
                var removed = _operator.Remove(remove.ParticipantId, remove.Reason);
                if (removed is not null)
                {
                    await OnLeaveAsync(removed.Id, "removed by the operator");
                }

                remove.Done.TrySetResult(removed is null ? AdminOutcome.ParticipantNotFound : AdminOutcome.Done);
                break;
            case RoomCommand.MuteTrack mute:
                mute.Done.TrySetResult(_operator.Mute(mute));
                break;
            case RoomCommand.CloseRoom close:
                // The usual leave path, so sessions are disposed and the last leave closes and unregisters the room.
                foreach (var participant in _operator.DismissAll(close.Reason))
                {
                    await OnLeaveAsync(participant.Id, "room closed by the operator");
                }

                close.Done.TrySetResult(AdminOutcome.Done);
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

        if (!_videoCodec.TryAdmit(join.VideoCodecs, _media, out var refusal))
        {
            _logger.LogInformation("Room {Room}: join refused: {Reason}", Name, refusal);
            join.Done.TrySetResult(new JoinResult(JoinOutcome.UnsupportedCodec, this, null) { Detail = refusal });
            return;
        }

        var participant = new Participant(NewId(), join.DisplayName.Trim(), join.AllowP2p, join.Connection);
        var others = _participants.Infos();
        _participants.Add(participant);
        // Before "joined" leaves: a client told it has joined must already be in the room's listing (the admin API).
        PublishSnapshot();
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
            VideoCodec = _videoCodec.Codec,
        });
        _participants.AnnounceJoined(participant, BatchPresence());
        _events.OnParticipantJoined(Name, participant.ToInfo(), _participants.Count);
        _logger.LogInformation("Room {Room}: {Participant} ({Name}) joined, {Count} present", Name, participant.Id, participant.Name, _participants.Count);

        if (_media is not null)
        {
            try
            {
                participant.Session = _media.CreateSession(participant.Id, new RoomSessionHost(this, participant.Id));
                participant.Session?.SetPermissions(join.Connection.CanPublish, join.Connection.CanSubscribe);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Room {Room}: server session for {Participant} could not be created", Name, participant.Id);
            }
        }

        _mode.OnMembershipChanged(_participants.Count - 1, participant, joined: true);
    }

    /// <summary>
    /// A server connection that can never carry media again: the participant is removed (the others get
    /// participant-left) and told why, so its page rejoins with a new transport. Null for every other state.
    /// </summary>
    private static (string Code, string Message, string Reason)? Terminal(SfuSessionState state) => state switch
    {
        // RFC 7675 §5.1: the client vanished (no goodbye, no checks); its signaling may still be open but silent.
        SfuSessionState.ConsentExpired => (ErrorCodes.ConsentExpired, "no ICE consent from your connection for the consent timeout; rejoin", "ice consent expired"),
        // The DTLS handshake failed (timeout, alert, fingerprint mismatch). Our ICE restart keeps the transport's
        // DTLS state (SfuSession.RestartIce), so a client restarting ICE would stay without media for ever.
        SfuSessionState.Failed => (ErrorCodes.DtlsFailed, "the secure media connection (DTLS) failed; rejoin", "dtls failed"),
        _ => null,
    };

    private async ValueTask OnLeaveAsync(string participantId, string reason)
    {
        var participant = _participants.Find(participantId);
        if (participant is null)
        {
            return;
        }

        _participants.Remove(participant);
        _logger.LogInformation("Room {Room}: {Participant} left ({Reason}), {Count} present", Name, participantId, reason, _participants.Count);
        _participants.AnnounceLeft(participantId, BatchPresence());
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

        _mode.OnMembershipChanged(_participants.Count + 1, participant, joined: false);
    }

    /// <summary>
    /// Whether a join or leave now is told in a batch: the room is above <see cref="RoomSettings.PresenceBatchAbove"/>
    /// or a window is already open (so news keeps its order). Opens the window when it is not.
    /// </summary>
    private bool BatchPresence()
    {
        if (_presenceWindow is null && _participants.Count <= _settings.PresenceBatchAbove)
        {
            return false;
        }

        _presenceWindow ??= _time.CreateTimer(static room => ((Room)room!).Post(new RoomCommand.PresenceDue()), this,
            _settings.PresenceBatchWindow, Timeout.InfiniteTimeSpan);
        return true;
    }

    private void Close()
    {
        _presenceWindow?.Dispose();
        _presenceWindow = null;
        _closed = true;
        _commands.Complete();
        _snapshot = new RoomSnapshot(Name, ModeNames.Sfu, []);
        _onClosed.OnRoomClosed(this);
        _events.OnRoomFinished(Name);
    }

    private void PublishSnapshot() =>
        _snapshot = new RoomSnapshot(Name, ModeNames.ToWire(_mode.Mode), _participants.Infos()) { VideoCodec = _videoCodec.Codec };

    private static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, 10);
}
