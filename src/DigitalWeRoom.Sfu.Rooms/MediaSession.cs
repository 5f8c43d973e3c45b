using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// Creates the server-side media of a room. The SFU wiring (WebRtcTransport + negotiation + Router)
/// implements it; <see cref="NullMediaSessionFactory"/> stands in when there is no media path, and
/// tests use fakes so room logic runs without sockets.
/// </summary>
public interface IMediaSessionFactory
{
    /// <summary>Called once when a room is created, on the room's control loop.</summary>
    IRoomMedia CreateRoom(string roomName);
}

/// <summary>The media side of one room (its router). Disposed when the room closes.</summary>
public interface IRoomMedia : IAsyncDisposable
{
    /// <summary>
    /// Creates the participant's connection to the server. Called on the room loop right after the
    /// <c>joined</c> message; the session starts on its own and sends its first offer through
    /// <paramref name="host"/>. Returns null when there is no server media path.
    /// </summary>
    ISfuSession? CreateSession(string participantId, ISfuSessionHost host);

    /// <summary>RTP packets the server forwarded in this room so far (0 while the room is peer-to-peer).</summary>
    long PacketsForwarded => 0;

    /// <summary>
    /// The room fixed its video codec (a name from <see cref="Negotiation.VideoCodecCatalog"/>); sessions created
    /// afterwards offer only it (+ its RTX). Called on the room loop before the first session is created.
    /// </summary>
    void UseVideoCodec(string codec)
    {
    }
}

/// <summary>
/// One participant's WebRTC connection to the server. The server always offers on it; the client
/// answers. All calls come from the room's control loop (never concurrently).
/// </summary>
public interface ISfuSession : IAsyncDisposable
{
    /// <summary>The client's answer to the last server offer. Returns null when accepted, else a reason for an <c>invalid-sdp</c> error.</summary>
    string? ApplyAnswer(string sdp);

    /// <summary>A trickled client candidate (an ICE-lite server may ignore it: it learns addresses from STUN checks).</summary>
    void AddRemoteCandidate(IceCandidateInfo candidate);

    /// <summary>The other participants whose tracks this participant receives (set once, at its join); a change renegotiates (a new server offer).</summary>
    void SetSubscriptions(IReadOnlyList<string> publisherParticipantIds);

    /// <summary>
    /// One participant joined (receive its tracks) or left: the delta, so that a join costs each member O(publishers)
    /// rather than a fresh list of everyone (which made a room's joins cubic in its size).
    /// </summary>
    void Subscribe(string publisherParticipantId);

    /// <inheritdoc cref="Subscribe"/>
    void Unsubscribe(string publisherParticipantId);

    /// <summary>
    /// False while the room is peer-to-peer: the server forwards nothing to or from this participant
    /// but keeps ICE/DTLS up (make before break). True in <see cref="RoomMode.Sfu"/> and <see cref="RoomMode.Switching"/>.
    /// </summary>
    void SetForwarding(bool enabled);

    /// <summary>
    /// The client's <c>view</c>: participants whose tiles are on screen and those it pinned (last-N input).
    /// Returns null when applied, else an error code (<see cref="Signaling.ErrorCodes"/>) for the reply.
    /// </summary>
    string? SetView(IReadOnlyList<string> visible, IReadOnlyList<string> pinned) => null;

    /// <summary>
    /// The operator muted (true) or unmuted what this participant publishes of <paramref name="kind"/> ("audio" or
    /// "video"): the server forwards none of it to anyone until unmuted, whatever the room's mode.
    /// </summary>
    void SetPublisherMuted(string kind, bool muted)
    {
    }

    /// <summary>
    /// The participant's grant, set once right after creation: without <paramref name="canPublish"/> nothing it sends
    /// becomes a producer; without <paramref name="canSubscribe"/> it is offered nobody's tracks.
    /// </summary>
    void SetPermissions(bool canPublish, bool canSubscribe)
    {
    }

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local ice-ufrag/ice-pwd in a new server offer; the transport keeps DTLS
    /// and SRTP and accepts checks with the new credentials from any address. Null when started, else why not.
    /// </summary>
    string? RestartIce() => "ICE restart is not supported by this server session";
}

/// <summary>What a session reports back. Thread-safe: calls are queued onto the room's control loop.</summary>
public interface ISfuSessionHost
{
    /// <summary>Sends a message to the participant (offer or candidate, with <c>from = "server"</c> filled in by the room).</summary>
    void Send(SignalMessage message);

    /// <summary>
    /// The server connection changed state; <see cref="SfuSessionState.ConsentExpired"/> after ICE consent is lost
    /// (RFC 7675 §5.1), which removes the participant from the room.
    /// </summary>
    void ReportState(SfuSessionState state);

    /// <summary>
    /// Runs <paramref name="action"/> on the room's control loop, later. Never blocks (internal commands have their own lane of the room queue, which clients cannot fill),
    /// so it may be called from the media timer or a receive thread.
    /// </summary>
    void Post(Action action);
}

public enum SfuSessionState
{
    New,
    Connected,
    Failed,
    Closed,

    /// <summary>No valid ICE check for the consent timeout (the client vanished): the room removes the participant.</summary>
    ConsentExpired,
}

/// <summary>No server media path: rooms still work peer-to-peer; three or more participants only get signaling.</summary>
public sealed class NullMediaSessionFactory : IMediaSessionFactory
{
    public IRoomMedia CreateRoom(string roomName) => NullRoomMedia.Instance;

    private sealed class NullRoomMedia : IRoomMedia
    {
        public static readonly NullRoomMedia Instance = new();

        public ISfuSession? CreateSession(string participantId, ISfuSessionHost host) => null;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
