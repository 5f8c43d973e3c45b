using System.Text.Json.Serialization;
using MessagePack;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>
/// One signaling message, in both directions. A single flat envelope keeps JSON and MessagePack
/// identical on the wire (a map with the same lower-case keys); which fields are meaningful depends
/// on <see cref="Type"/> and is checked by <see cref="SignalingValidator"/>. Protocol: docs/signaling.md.
/// </summary>
[MessagePackObject]
public sealed record SignalMessage
{
    [Key("type")] public string? Type { get; init; }

    // join / joined
    [Key("room")] public string? Room { get; init; }
    [Key("name")] public string? Name { get; init; }
    [Key("p2p")] public bool? P2p { get; init; }
    [Key("token")] public string? Token { get; init; }
    [Key("participantId")] public string? ParticipantId { get; init; }
    [Key("participants")] public IReadOnlyList<ParticipantInfo>? Participants { get; init; }
    [Key("iceServers")] public IReadOnlyList<IceServerInfo>? IceServers { get; init; }

    // join: video codecs the browser can decode and encode; joined: the room's video codec
    [Key("codecs")] public IReadOnlyList<string>? Codecs { get; init; }
    [Key("videoCodec")] public string? VideoCodec { get; init; }

    // participant-joined
    [Key("participant")] public ParticipantInfo? Participant { get; init; }

    // participants-changed (a large room's batched presence): who joined in participants, who left here
    [Key("left")] public IReadOnlyList<string>? Left { get; init; }

    // mode
    [Key("mode")] public string? Mode { get; init; }
    [Key("peer")] public string? Peer { get; init; }
    [Key("initiator")] public bool? Initiator { get; init; }

    // offer / answer / candidate: target on the way in, from on the way out.
    [Key("target")] public string? Target { get; init; }
    [Key("from")] public string? From { get; init; }
    [Key("sdp")] public string? Sdp { get; init; }
    [Key("candidate")] public IceCandidateInfo? Candidate { get; init; }

    // track-published / track-unpublished
    [Key("track")] public TrackInfo? Track { get; init; }

    // mute
    [Key("kind")] public string? Kind { get; init; }
    [Key("muted")] public bool? Muted { get; init; }

    // raise-hand, moderate
    [Key("raised")] public bool? Raised { get; init; }
    [Key("action")] public string? Action { get; init; }

    // chat
    [Key("text")] public string? Text { get; init; }

    // view (client): tiles on screen and pinned; video-forwarded (server): videos forwarded / held back
    [Key("visible")] public IReadOnlyList<string>? Visible { get; init; }
    [Key("pinned")] public IReadOnlyList<string>? Pinned { get; init; }
    [Key("on")] public IReadOnlyList<string>? On { get; init; }
    [Key("off")] public IReadOnlyList<string>? Off { get; init; }

    /// <summary>video-forwarded: the ids in <see cref="Off"/> held back because the subscriber's downlink cannot carry them (reason bandwidth).</summary>
    [Key("bandwidth")] public IReadOnlyList<string>? Bandwidth { get; init; }

    // error / p2p-failed
    [Key("code")] public string? Code { get; init; }
    [Key("reason")] public string? Reason { get; init; }

    // simulcast: video-size {trackId, width, height}; layers {trackId, active}
    [Key("trackId")] public string? TrackId { get; init; }
    [Key("width")] public int? Width { get; init; }
    [Key("height")] public int? Height { get; init; }
    [Key("active")] public IReadOnlyList<string>? Active { get; init; }
    // end simulcast

    /// <summary>redirect (cluster): the owning node's signaling WebSocket URL, taken from the node registry, never from a client.</summary>
    [Key("url")] public string? Url { get; init; }

    /// <summary>Optional client correlation id, echoed in the error reply to that message.</summary>
    [Key("id")] public string? Id { get; init; }

    [IgnoreMember, JsonIgnore]
    public bool IsFromServerTarget => Target == SignalTargets.Server;
}

/// <summary>A participant as others see it.</summary>
[MessagePackObject]
public sealed record ParticipantInfo
{
    [Key("id")] public required string Id { get; init; }
    [Key("name")] public required string Name { get; init; }
    [Key("tracks")] public IReadOnlyList<TrackInfo> Tracks { get; init; } = [];
    [Key("audioMuted")] public bool AudioMuted { get; init; }
    [Key("videoMuted")] public bool VideoMuted { get; init; }

    /// <summary>The identity from the join's token (<c>sub</c>); absent for guests of an open server.</summary>
    [Key("identity")] public string? Identity { get; init; }
    [Key("handRaised")] public bool HandRaised { get; init; }
}

/// <summary>A published track: kind audio|video, source camera|microphone|screen.</summary>
[MessagePackObject]
public sealed record TrackInfo
{
    [Key("id")] public string? Id { get; init; }
    [Key("kind")] public string? Kind { get; init; }
    [Key("source")] public string? Source { get; init; }
}

/// <summary>An RTCIceServer handed to browsers for the peer-to-peer connection.</summary>
[MessagePackObject]
public sealed record IceServerInfo
{
    [Key("urls")] public required IReadOnlyList<string> Urls { get; init; }
    [Key("username")] public string? Username { get; init; }
    [Key("credential")] public string? Credential { get; init; }
}

/// <summary>An RTCIceCandidateInit (RFC 8839 candidate attribute plus its m-line).</summary>
[MessagePackObject]
public sealed record IceCandidateInfo
{
    [Key("candidate")] public string? Candidate { get; init; }
    [Key("sdpMid")] public string? SdpMid { get; init; }
    [Key("sdpMLineIndex")] public int? SdpMLineIndex { get; init; }
}
