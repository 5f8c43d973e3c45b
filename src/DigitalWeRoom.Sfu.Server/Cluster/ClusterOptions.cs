namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// Several nodes sharing rooms through Redis, bound from <c>Sfu:Cluster</c> (environment:
/// <c>Sfu__Cluster__Redis=redis:6379</c>). Off while <see cref="Redis"/> is empty: a single node needs no Redis.
/// Design and trade-offs: docs/cluster.md.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Sfu:Cluster";

    /// <summary>StackExchange.Redis connection string (e.g. <c>redis:6379,password=...</c>); empty: clustering off.</summary>
    public string? Redis { get; set; }

    /// <summary>This node's id in the registry: letters, digits, <c>.</c>, <c>_</c>, <c>-</c> (1-64). Empty: <c>Sfu:Telemetry:NodeId</c>, else the machine name.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>Region of this node; a new room prefers nodes of the region of the node the client reached. Empty: <c>Sfu:Telemetry:Region</c>.</summary>
    public string Region { get; set; } = "";

    /// <summary>Public base URL of this node's page and signaling (<c>https://node1.example.org</c>); redirects point at <c>{this}/ws</c>.</summary>
    public string? SignalingUrl { get; set; }

    /// <summary>Media addresses this node advertises (shown in the registry; used as <c>Sfu:Udp:AnnouncedAddresses</c> when those are empty).</summary>
    public List<string> MediaAddresses { get; set; } = [];

    /// <summary>Participants this node takes at most (0: only <c>Sfu:Limits:MaxRooms</c> bounds it); a full node gets no new rooms.</summary>
    public int MaxParticipants { get; set; }

    /// <summary>A node whose CPU use (0-1 of all cores) is at or above this gets new rooms only when every node is.</summary>
    public double CpuLimit { get; set; } = 0.9;

    /// <summary>How often this node publishes its state and renews its room claims.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A node entry older than this is not chosen, and its rooms may be taken over.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Expiry of a room claim; renewed every heartbeat while the room has participants here.</summary>
    public TimeSpan ClaimTtl { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Drain migration: this long after the node starts draining (drain API or SIGTERM), each of its rooms is claimed
    /// for another node and its pages are told to reconnect there (<c>redirect</c>). Empty: rooms stay until they end.
    /// </summary>
    public TimeSpan? DrainMigrateAfter { get; set; }

    /// <summary>
    /// A room that sent <c>room_started</c> and has had no claim for this long (its node was killed and nobody came
    /// back) is finished: one node sends its <c>room_finished</c>. Longer than a page's reconnect backoff.
    /// </summary>
    public TimeSpan OrphanRoomGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Prefix of every Redis key (several clusters may share one Redis).</summary>
    public string KeyPrefix { get; set; } = "dwr:";

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}
