using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>One person in a room. Owned by the room's control loop: never touched from another thread.</summary>
internal sealed class Participant(string id, string name, bool allowP2p, IParticipantConnection connection)
{
    public string Id { get; } = id;

    /// <summary>The display name: the join's (trimmed), then what <c>set-name</c> changed it to.</summary>
    public string Name { get; set; } = name;

    /// <summary>The token's identity (<c>sub</c>), or null.</summary>
    public string? Identity => Connection.Identity;

    public bool HandRaised { get; set; }

    /// <summary>False when the participant opted out of peer-to-peer (join with <c>p2p: false</c>).</summary>
    public bool AllowP2p { get; } = allowP2p;

    public IParticipantConnection Connection { get; } = connection;

    /// <summary>Its ICE restart budget, made on its first restart.</summary>
    public ActionRateLimiter? IceRestarts { get; set; }

    /// <summary>Its rename budget (<c>set-name</c>), made on its first rename.</summary>
    public ActionRateLimiter? Renames { get; set; }

    public ISfuSession? Session { get; set; }

    public List<TrackInfo> Tracks { get; } = [];

    public bool AudioMuted { get; set; }

    public bool VideoMuted { get; set; }

    /// <summary>Kinds ("audio", "video") the operator muted: not forwarded, and only the operator unmutes them.</summary>
    public HashSet<string> OperatorMuted { get; } = new(StringComparer.Ordinal);

    public ParticipantInfo ToInfo() => new()
    {
        Id = Id,
        Name = Name,
        Tracks = [.. Tracks],
        AudioMuted = AudioMuted,
        VideoMuted = VideoMuted,
        Identity = Identity,
        HandRaised = HandRaised,
    };

    /// <summary>Presence news held back while the room batches it; told before anything else this member is sent.</summary>
    public PresenceBatch Presence { get; } = new();

    public bool Send(SignalMessage message)
    {
        TellPresence();
        return Connection.TrySend(message);
    }

    /// <summary>Sends the presence news held for this member, if any.</summary>
    public void TellPresence()
    {
        if (Presence.Take() is { } news)
        {
            Connection.TrySend(news);
        }
    }
}
