using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The rooms of this server, bounded by <see cref="RoomSettings.MaxRooms"/>. A room is created by its
/// first join and removed by its own loop when the last participant leaves.
/// </summary>
public sealed class RoomRegistry(RoomSettings settings, TimeProvider time, IMediaSessionFactory mediaFactory, ILoggerFactory loggerFactory)
    : IRoomClosedListener
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new(RoomName.Comparer);
    private readonly ILogger _logger = loggerFactory.CreateLogger<Room>();

    public RoomSettings Settings { get; } = settings;

    /// <summary>Room events of every room of this registry (metrics and webhooks subscribe here).</summary>
    public RoomEvents Events { get; } = new(loggerFactory.CreateLogger<RoomEvents>());

    public int Count => _rooms.Count;

    public ValueTask<JoinResult> JoinAsync(string roomName, IParticipantConnection connection, string displayName,
        bool allowP2p, IReadOnlyList<IceServerInfo> iceServers, CancellationToken cancellationToken = default) =>
        JoinAsync(roomName, connection, displayName, allowP2p, iceServers, videoCodecs: null, cancellationToken);

    /// <summary>Joins, creating the room if needed; <paramref name="videoCodecs"/> is what the joiner can decode (null: not told).</summary>
    public async ValueTask<JoinResult> JoinAsync(string roomName, IParticipantConnection connection, string displayName,
        bool allowP2p, IReadOnlyList<IceServerInfo> iceServers, IReadOnlyList<string>? videoCodecs, CancellationToken cancellationToken = default)
    {
        // A room that emptied between lookup and join answers RoomClosed; a fresh one is made then.
        for (var attempt = 0; attempt < 8; attempt++)
        {
            if (!_rooms.TryGetValue(roomName, out var room))
            {
                if (_rooms.Count >= Settings.MaxRooms)
                {
                    return new JoinResult(JoinOutcome.TooManyRooms, null, null);
                }

                var created = new Room(roomName, Settings, time, mediaFactory, _logger, this, Events);
                room = _rooms.GetOrAdd(roomName, created);
                if (ReferenceEquals(room, created))
                {
                    created.Start();
                }
            }

            var result = await room.JoinAsync(connection, displayName, allowP2p, iceServers, videoCodecs, cancellationToken);
            if (result.Outcome != JoinOutcome.RoomClosed)
            {
                return result;
            }

            _rooms.TryRemove(new KeyValuePair<string, Room>(roomName, room));
        }

        return new JoinResult(JoinOutcome.RoomClosed, null, null);
    }

    public Room? Find(string roomName) => _rooms.GetValueOrDefault(roomName);

    public IReadOnlyList<RoomSnapshot> Snapshot() =>
        _rooms.Values.Select(r => r.Snapshot with { ForwardedPackets = r.PacketsForwarded }).Where(s => s.Participants.Count > 0).OrderBy(s => s.Name, RoomName.Comparer).ToArray();

    void IRoomClosedListener.OnRoomClosed(Room room) => _rooms.TryRemove(new KeyValuePair<string, Room>(room.Name, room));
}
