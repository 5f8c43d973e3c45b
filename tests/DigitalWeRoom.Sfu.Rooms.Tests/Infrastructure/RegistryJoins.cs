using DigitalWeRoom.Sfu.Rooms;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;

internal static class RegistryJoins
{
    /// <summary>Joins <paramref name="name"/> to <paramref name="room"/> over a fake connection, asserts it joined, and waits for the room loop to finish the join.</summary>
    public static async Task<(Room Room, string Id, FakeConnection Connection)> JoinFlushedAsync(this RoomRegistry registry, string room, string name, bool allowP2p)
    {
        var connection = new FakeConnection();
        var result = await registry.JoinAsync(room, connection, name, allowP2p, []);
        Assert.Equal(JoinOutcome.Joined, result.Outcome);
        await result.Room!.FlushAsync();
        return (result.Room, result.ParticipantId!, connection);
    }
}
