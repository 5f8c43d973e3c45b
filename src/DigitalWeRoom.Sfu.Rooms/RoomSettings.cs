namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>The room-level part of the server options (the host maps its <c>Sfu</c> options onto this).</summary>
public sealed record RoomSettings
{
    public bool P2PEnabled { get; init; } = true;
    public TimeSpan BackToP2PDelay { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan P2PConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public int MaxRooms { get; init; } = 1000;
    public int MaxParticipantsPerRoom { get; init; } = 16;

    /// <summary>
    /// Above this many participants a room tells joins and leaves in batches (<see cref="PresenceBatch"/>), one
    /// <c>participants-changed</c> per member per <see cref="PresenceBatchWindow"/>, instead of one message to every
    /// member per join (N² messages when a large room fills or reconnects at once).
    /// </summary>
    public int PresenceBatchAbove { get; init; } = 50;

    public TimeSpan PresenceBatchWindow { get; init; } = TimeSpan.FromMilliseconds(500);
    public int MaxChatLength { get; init; } = 1000;
    public int MaxTracksPerParticipant { get; init; } = 4;
    public int IceRestartsPerMinute { get; init; } = 5;
    public TimeSpan IceRestartMinInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Video codec preference order; a room uses the first one its first participant supports (docs/negotiation.md).</summary>
    public IReadOnlyList<string> VideoCodecs { get; init; } = Negotiation.VideoCodecCatalog.DefaultPreference;
}
