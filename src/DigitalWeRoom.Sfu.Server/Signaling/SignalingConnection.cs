using System.Net;
using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Rooms.Telemetry;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// One browser's signaling WebSocket. The receive loop reads each message (<see cref="SignalingMessageReader"/>),
/// decodes, validates and rate-limits it and hands it to the participant's room; the send side is a bounded queue with
/// its own loop (<see cref="SignalingOutbox"/>), so the room loop never waits on a slow client (a full queue
/// disconnects that client instead). Partial only for the <c>[LoggerMessage]</c> source generator.
/// </summary>
internal sealed partial class SignalingConnection : IParticipantConnection
{
    private readonly WebSocket _socket;
    private readonly SignalEncoding _encoding;
    private readonly IPAddress? _remoteAddress;
    private readonly SfuOptions _options;
    private readonly RoomRegistry _rooms;
    private readonly JoinRateLimiter _joinLimiter;
    private readonly IceServerRefresh _iceServers;
    private readonly ILogger _logger;
    private readonly SignalingOutbox _outbox;
    private readonly SignalRateLimit _rate;
    private Room? _room;
    private string? _participantId;

    public SignalingConnection(WebSocket socket, SignalEncoding encoding, IPAddress? remoteAddress, SfuOptions options, RoomRegistry rooms,
        JoinRateLimiter joinLimiter, IceServerRefresh iceServers, TimeProvider time, ILogger logger)
    {
        _socket = socket;
        _encoding = encoding;
        _remoteAddress = remoteAddress;
        _options = options;
        _rooms = rooms;
        _joinLimiter = joinLimiter;
        _iceServers = iceServers;
        _logger = logger;
        _outbox = new SignalingOutbox(socket, encoding, options.Limits.SendQueueLength);
        _rate = new SignalRateLimit(time, options.Limits.MessagesPerSecond);
    }

    /// <summary>Checks the join's token (docs/security.md); null: open.</summary>
    public Auth.IJoinAuthorizer? JoinAuthorizer { get; init; }

    /// <summary>Counts dropped messages by reason for the metrics (null: not counted).</summary>
    public SignalingDrops? Drops { get; init; }

    /// <summary>While draining, joins that would open a room are refused; during a shutdown every join is.</summary>
    public Health.DrainState? Drain { get; init; }

    /// <summary>Cluster: where the room lives; a join for a room another node serves is answered with a <c>redirect</c> (null: single node).</summary>
    public Cluster.IJoinPlacement? Placement { get; init; }

    /// <summary>A token given as <c>/ws?access_token=</c>, used when the join message carries none.</summary>
    public string? QueryToken { get; init; }

    /// <summary>The join token's identity (<c>sub</c>); null on an open server.</summary>
    public string? Identity { get; private set; }

    /// <summary>The display name is the join token's <c>name</c> (<see cref="IParticipantConnection.NameFromToken"/>).</summary>
    public bool NameFromToken { get; private set; }

    /// <summary>The join token grants <c>roomAdmin</c>: the participant may mute and remove others (<c>moderate</c>).</summary>
    public bool IsRoomAdmin { get; private set; }

    /// <summary>From the join's grant (<see cref="IParticipantConnection.CanPublish"/>).</summary>
    public bool CanPublish { get; private set; } = true;

    /// <summary>From the join's grant (<see cref="IParticipantConnection.CanSubscribe"/>).</summary>
    public bool CanSubscribe { get; private set; } = true;

    public bool TrySend(SignalMessage message)
    {
        if (_outbox.TryEnqueue(message, out bool overflowed))
        {
            return true;
        }

        if (overflowed)
        {
            // The client does not read: it was dropped rather than let its queue grow or block the room.
            Drops?.Increment(SignalingDropReason.SlowClient);
            LogSlowClient(_logger, _participantId);
        }
        return false;
    }

    /// <summary>
    /// The room let the participant go (removed, room closed, consent expired): tell the client why, flush the
    /// queue, then close with <paramref name="code"/>.
    /// </summary>
    public void Disconnect(string code, string reason)
    {
        SendError(code, reason, null);
        _outbox.Dismiss(code);
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        var sendLoop = Task.Run(() => _outbox.RunAsync(aborted), CancellationToken.None);
        try
        {
            await ReceiveLoopAsync(aborted);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Client went away, idle timeout or server shutdown.
        }
        finally
        {
            _outbox.BeginClosing();
            await LeaveRoomAsync("connection closed");
            _outbox.Complete();
            await sendLoop;
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                try
                {
                    using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException)
                {
                    // Already gone.
                }
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken aborted)
    {
        var max = _options.Limits.MaxMessageBytes;
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(aborted, _outbox.Dismissed);
        while (true)
        {
            idle.CancelAfter(_options.Limits.IdleTimeout);
            if (await SignalingMessageReader.ReadAsync(_socket, max, idle.Token) is not { } received)
            {
                return;
            }

            using (received)
            {
                if (!_rate.TryTake())
                {
                    Drops?.Increment(SignalingDropReason.RateLimited);
                    ReplyRateLimited();
                    continue;
                }

                if (received.Oversized)
                {
                    Drops?.Increment(SignalingDropReason.TooLarge);
                    SendError(ErrorCodes.TooLarge, $"message larger than {max} bytes", null);
                    continue;
                }

                // Log scope: every line written while handling this message names the room and participant.
                using (_room is null ? null : _logger.BeginScope(new LogScope(_room.Name, _participantId)))
                {
                    await HandleAsync(received.Data, aborted);
                }
            }
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> data, CancellationToken aborted)
    {
        if (!SignalingCodec.TryDecode(data, _encoding, out var message, out var decodeError))
        {
            Drops?.Increment(SignalingDropReason.Malformed);
            SendError(ErrorCodes.InvalidMessage, decodeError, null);
            return;
        }

        if (!SignalingValidator.TryValidate(message, _options.Limits.MaxChatLength, out var code, out var reason))
        {
            Drops?.Increment(SignalingDropReason.Invalid);
            SendError(code, reason, message.Id);
            return;
        }

        switch (message.Type)
        {
            case MessageTypes.Ping:
                TrySend(new SignalMessage { Type = MessageTypes.Pong, Id = message.Id });
                return;

            case MessageTypes.Join:
                await JoinAsync(message, aborted);
                return;

            case MessageTypes.Leave:
                await LeaveRoomAsync("left");
                return;

            case MessageTypes.Moderate:
                if (await RoomModeration.ApplyAsync(_participantId is null ? null : _room, IsRoomAdmin, message) is { } refused)
                {
                    SendError(refused.Code, refused.Reason, message.Id);
                }

                return;
        }

        if (_room is null || _participantId is null)
        {
            Drops?.Increment(SignalingDropReason.NotJoined);
            SendError(ErrorCodes.NotJoined, "join a room first", message.Id);
            return;
        }

        await _room.PostAsync(_participantId, message, aborted);
    }

    private async Task JoinAsync(SignalMessage message, CancellationToken aborted)
    {
        if (_room is not null)
        {
            SendError(ErrorCodes.AlreadyJoined, "this connection is already in a room; leave first", message.Id);
            return;
        }

        using var activity = SfuActivities.Source.StartActivity(SfuActivities.Join);
        activity?.SetTag(SfuActivities.RoomTag, message.Room);
        string? tokenName = null;
        if (JoinAuthorizer is { } authorizer)
        {
            if (!authorizer.AuthorizeJoin(message.Token ?? (string.IsNullOrEmpty(QueryToken) ? null : QueryToken), message.Room!, out Auth.JoinGrant grant, out string why))
            {
                activity?.SetTag(SfuActivities.OutcomeTag, "unauthorized");
                SendError(ErrorCodes.Unauthorized, why, message.Id);
                return;
            }

            CanPublish = grant.Video.CanPublish;
            CanSubscribe = grant.Video.CanSubscribe;
            IsRoomAdmin = grant.Video.RoomAdmin;
            Identity = string.IsNullOrEmpty(grant.Identity) ? null : grant.Identity;
            tokenName = Identity is null ? null : grant.Name;
        }

        // Only an authorized join takes a permit: refused attempts (no or bad token) must not use up the budget of
        // everyone who shares the address, e.g. every client behind the grid gateway (issue #12, finding 2).
        switch (_joinLimiter.Acquire(_remoteAddress))
        {
            case PermitOutcome.ClientOverLimit:
                activity?.SetTag(SfuActivities.OutcomeTag, "rate_limited");
                SendError(ErrorCodes.JoinRateLimited, "too many joins from your address; wait a minute", message.Id);
                return;
            case PermitOutcome.TooManyClients:
                activity?.SetTag(SfuActivities.OutcomeTag, "rate_limiter_full");
                SendError(ErrorCodes.ServerBusy, "the server is taking joins from too many addresses at once; try again in a minute", message.Id);
                return;
        }

        if (Placement is null && Drain is { Reason: { } drainReason } drain && (drain.IsShuttingDown || _rooms.Find(message.Room!) is null))
        {
            activity?.SetTag(SfuActivities.OutcomeTag, "draining");
            SendError(ErrorCodes.Draining, $"this server is draining ({drainReason}) and takes no new {(drain.IsShuttingDown ? "joins" : "rooms")}; try again shortly", message.Id);
            return;
        }

        if (Placement is not null && await Placement.PlaceAsync(message.Room!, message.Token ?? NullIfEmpty(QueryToken), message.Id, aborted) is { } elsewhere)
        {
            activity?.SetTag(SfuActivities.OutcomeTag, elsewhere.Type);
            TrySend(elsewhere);
            return;
        }

        // With a token, its name is the display name (the client's is only a fallback when the token has none).
        NameFromToken = tokenName is not null && SignalingValidator.IsValidDisplayName(tokenName);
        var displayName = NameFromToken ? tokenName!.Trim() : message.Name!;

        // A new room's control loop starts inside this call: without the flow suppressed it would keep this
        // request's log scopes and join trace (Activity.Current) for its whole life.
        ValueTask<JoinResult> joining;
        using (ExecutionContext.SuppressFlow())
        {
            // Peer-to-peer media never passes the server, which could not hold a restricted grant to it.
            joining = _rooms.JoinAsync(message.Room!, this, displayName, (message.P2p ?? true) && CanPublish && CanSubscribe,
                _iceServers.Fresh(), message.Codecs, aborted);
        }

        var result = await joining;
        activity?.SetTag(SfuActivities.OutcomeTag, SfuActivities.JoinOutcome(result.Outcome));
        activity?.SetTag(SfuActivities.ParticipantTag, result.ParticipantId);
        if (result.Outcome == JoinOutcome.Joined)
        {
            _room = result.Room;
            _participantId = result.ParticipantId;
            _iceServers.Start(this);
            return;
        }

        var (code, reason) = result.Outcome switch
        {
            JoinOutcome.RoomFull => (ErrorCodes.RoomFull, $"the room is full ({_options.Limits.MaxParticipantsPerRoom} participants)"),
            JoinOutcome.UnsupportedCodec => (ErrorCodes.UnsupportedCodec, result.Detail ?? "your browser cannot decode the room's video codec"),
            JoinOutcome.TooManyRooms => (ErrorCodes.TooManyRooms, "the server has reached its room limit"),
            _ => (ErrorCodes.ServerBusy, "the room could not be joined; try again"),
        };
        SendError(code, reason, message.Id);
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private async Task LeaveRoomAsync(string reason)
    {
        _iceServers.Stop();
        if (_room is { } room && _participantId is { } id)
        {
            _room = null;
            _participantId = null;
            await room.LeaveAsync(id, reason);
        }
    }

    private void ReplyRateLimited()
    {
        if (_rate.ShouldReply())
        {
            SendError(ErrorCodes.RateLimited, $"more than {_rate.MessagesPerSecond} messages per second; message dropped", null);
        }
    }

    private void SendError(string code, string reason, string? id)
    {
        LogRejected(_logger, _participantId, code, reason);
        TrySend(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason, Id = id });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Signaling: participant {Participant} does not read its messages; disconnecting")]
    private static partial void LogSlowClient(ILogger logger, string? participant);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Signaling: rejected a message from {Participant}: {Code} {Reason}")]
    private static partial void LogRejected(ILogger logger, string? participant, string code, string reason);
}
