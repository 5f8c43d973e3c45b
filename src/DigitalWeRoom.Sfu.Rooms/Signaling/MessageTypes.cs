namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>The <c>type</c> values of <see cref="SignalMessage"/> (docs/signaling.md).</summary>
public static class MessageTypes
{
    // Client to server.
    public const string Join = "join";
    public const string Leave = "leave";
    public const string P2pConnected = "p2p-connected";
    public const string P2pFailed = "p2p-failed";
    public const string Ping = "ping";
    public const string IceRestart = "ice-restart";

    /// <summary>A room admin (token grant <c>roomAdmin</c>) mutes or removes another participant ({action, target}).</summary>
    public const string Moderate = "moderate";

    // Both directions.
    public const string Offer = "offer";
    public const string Answer = "answer";
    public const string Candidate = "candidate";
    public const string TrackPublished = "track-published";
    public const string TrackUnpublished = "track-unpublished";
    public const string Mute = "mute";
    public const string Chat = "chat";

    /// <summary>Raise or lower one's hand ({raised}); the others get {participantId, raised}.</summary>
    public const string RaiseHand = "raise-hand";

    /// <summary>
    /// Change one's display name mid-call ({name}); everyone, the sender included, gets {participantId, name}.
    /// Refused (<c>not-allowed</c>) when the name comes from the join's token; rate-limited (<c>rate-limited</c>).
    /// </summary>
    public const string SetName = "set-name";

    // Server to client.
    public const string Joined = "joined";
    public const string ParticipantJoined = "participant-joined";
    public const string ParticipantLeft = "participant-left";
    public const string ParticipantsChanged = "participants-changed";
    public const string Mode = "mode";
    public const string Error = "error";
    public const string Pong = "pong";
    public const string Draining = "draining";

    /// <summary>Server to client: fresh <c>iceServers</c> (new TURN credentials) before the previous ones expire.</summary>
    public const string IceServers = "ice-servers";

    /// <summary>Server to client (cluster): join again at <c>url</c>, the signaling socket of the node that owns the room (docs/cluster.md).</summary>
    public const string Redirect = "redirect";

    // simulcast
    /// <summary>Client to server: the tile size a remote video is shown at ({trackId, width, height}, device pixels).</summary>
    public const string VideoSize = "video-size";

    /// <summary>Server to client (dynacast): encode only these rids of a published track ({trackId, active:[rid...]}).</summary>
    public const string Layers = "layers";
    // end simulcast

    // speakers, last-N (docs/signaling.md "Active speaker and last-N")
    /// <summary>Client to server: the participants whose tiles are on screen and those pinned.</summary>
    public const string View = "view";

    /// <summary>Server to client: the room's dominant speaker changed (participantId; absent = nobody).</summary>
    public const string Speaker = "speaker";

    /// <summary>Server to client: whose video the server forwards to you (on) and whose it holds back (off).</summary>
    public const string VideoForwarded = "video-forwarded";
}

/// <summary>Special values of the <c>target</c>/<c>from</c> fields.</summary>
public static class SignalTargets
{
    /// <summary>The participant's own connection to the SFU.</summary>
    public const string Server = "server";
}

/// <summary>Wire names of <see cref="RoomMode"/>.</summary>
public static class ModeNames
{
    public const string PeerToPeer = "p2p";
    public const string Sfu = "sfu";
    public const string Switching = "switching";

    public static string ToWire(RoomMode mode) => mode switch
    {
        RoomMode.PeerToPeer => PeerToPeer,
        RoomMode.Switching => Switching,
        _ => Sfu,
    };
}

/// <summary>Codes carried by <c>error</c> messages.</summary>
public static class ErrorCodes
{
    public const string InvalidMessage = "invalid-message";
    public const string TooLarge = "too-large";
    public const string UnknownType = "unknown-type";
    public const string InvalidField = "invalid-field";
    public const string RateLimited = "rate-limited";
    public const string NotJoined = "not-joined";
    public const string AlreadyJoined = "already-joined";
    public const string RoomFull = "room-full";
    public const string TooManyRooms = "too-many-rooms";
    public const string JoinRateLimited = "join-rate-limited";
    public const string InvalidTarget = "invalid-target";
    public const string NotYourId = "not-your-id";
    public const string InvalidSdp = "invalid-sdp";
    public const string NoServerSession = "no-server-session";
    public const string ServerBusy = "server-busy";
    public const string Unauthorized = "unauthorized";
    public const string TooManyTracks = "too-many-tracks";

    /// <summary>The joiner cannot decode the room's video codec; the reason names both sides' codecs.</summary>
    public const string UnsupportedCodec = "unsupported-codec";

    /// <summary>The join's token does not grant this (e.g. publishing without <c>canPublish</c>).</summary>
    public const string NotAllowed = "not-allowed";

    /// <summary>The operator removed you from the room; the server closes the socket after this message.</summary>
    public const string Removed = "removed";

    /// <summary>The operator closed the room; the server closes the socket after this message.</summary>
    public const string RoomClosed = "room-closed";

    /// <summary>You tried to unmute a kind the operator muted.</summary>
    public const string MutedByOperator = "muted-by-operator";
    public const string ConsentExpired = "consent-expired";

    /// <summary>Your server connection's DTLS handshake failed: you were removed from the room; rejoin (a new transport).</summary>
    public const string DtlsFailed = "dtls-failed";
    public const string Draining = "server-draining";
    public const string IceRestartRateLimited = "ice-restart-rate-limited";

    /// <summary>The same identity (token <c>sub</c>) joined the room again: this older session was closed.</summary>
    public const string Replaced = "replaced";
}

/// <summary>The <c>action</c> values of a <c>moderate</c> message.</summary>
public static class ModerateActions
{
    public const string MuteAudio = "mute-audio";
    public const string MuteVideo = "mute-video";
    public const string Remove = "remove";
}
