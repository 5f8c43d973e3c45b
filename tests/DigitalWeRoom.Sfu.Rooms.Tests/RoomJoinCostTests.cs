using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

[CollectionDefinition(nameof(AllocationMeasuringCollection), DisableParallelization = true)]
public sealed class AllocationMeasuringCollection;

/// <summary>
/// A join costs the room O(its size), not O(size²): each member learns of the newcomer as one delta, and only the
/// newcomer gets the list of everyone. Measured in bytes allocated by the process (deterministic, unlike time), with
/// nothing else running in this collection. Before the fix every member got a fresh array of all the others on each
/// join: about 5 MB allocated by the 800th join.
/// </summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class RoomJoinCostTests(ITestOutputHelper output)
{
    private readonly FakeMediaFactory _media = new();
    private RoomRegistry? _registry;

    private RoomRegistry Registry => _registry ??= new RoomRegistry(
        new RoomSettings { MaxParticipantsPerRoom = 2_000 }, new FakeTimeProvider(), _media, NullLoggerFactory.Instance);

    [Fact]
    public async Task Bytes_allocated_per_join_grow_linearly_with_the_room()
    {
        await JoinManyAsync(200);
        double at200 = await BytesPerJoinAsync(20);
        await JoinManyAsync(600 - 20);
        double at800 = await BytesPerJoinAsync(20);

        // Linear work makes the ratio about 4 (800 / 200); the quadratic version measured 11.5 (5.8 MB per join at 800).
        double ratio = at800 / at200;
        output.WriteLine($"per join: {at200:N0} B at 200 members, {at800:N0} B at 800 (x{ratio:F1})");
        Assert.True(ratio < 7, $"per join: {at200:N0} B at 200 members, {at800:N0} B at 800 (x{ratio:F1})");

        // Every member still receives everyone else.
        var sessions = _media.Sessions.Values.ToArray();
        Assert.All(sessions, s => Assert.Equal(sessions.Length - 1, s.Subscriptions.Distinct().Count()));
    }

    private async Task JoinManyAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            await JoinAsync();
        }
    }

    private async Task<double> BytesPerJoinAsync(int joins)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        await JoinManyAsync(joins);
        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)joins;
    }

    private async Task JoinAsync()
    {
        var result = await Registry.JoinAsync("large", new FakeConnection(), "p", allowP2p: false, []);
        Assert.Equal(JoinOutcome.Joined, result.Outcome);
        await result.Room!.FlushAsync();
    }
}
