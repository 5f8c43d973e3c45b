using System.Net;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Rooms.Tests.SfuPath;

/// <summary>
/// Who a server session receives: everyone else in the room, less those who joined while it could not subscribe;
/// driven the way <see cref="RoomModeDriver.OnMembershipChanged"/> drives it (the newcomer gets the list, each member
/// the delta), on real <see cref="SfuRoomMedia"/> sessions.
/// </summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class SubscriptionsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly UdpEndpoint _endpoint = new(new UdpEndpointOptions { BindAddress = IPAddress.Loopback });
    private SfuRoomMedia _room = null!;
    private readonly List<SfuSession> _members = [];

    public Task InitializeAsync()
    {
        _room = new SfuRoomMedia("subscriptions", _endpoint, new NegotiationOptions(), TimeProvider.System, NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _room.DisposeAsync();
        _endpoint.Dispose();
    }

    private SfuSession Join(string id, bool canSubscribe = true)
    {
        var session = (SfuSession)_room.CreateSession(id, new QuietHost())!;
        session.SetPermissions(canPublish: true, canSubscribe);
        session.SetSubscriptions(_members.Select(m => m.ParticipantId).ToArray());
        foreach (var member in _members)
        {
            member.Subscribe(id);
        }
        _members.Add(session);
        return session;
    }

    private async Task LeaveAsync(SfuSession session)
    {
        _members.Remove(session);
        await session.DisposeAsync();
        foreach (var member in _members)
        {
            member.Unsubscribe(session.ParticipantId);
        }
    }

    [Fact]
    public async Task Everyone_receives_everyone_else_and_who_may_not_subscribe_receives_nobody()
    {
        var alice = Join("alice");
        var bob = Join("bob");
        var viewer = Join("viewer", canSubscribe: false);
        var carol = Join("carol");

        Assert.True(alice.IsSubscribedTo("bob") && alice.IsSubscribedTo("viewer") && alice.IsSubscribedTo("carol"));
        Assert.True(carol.IsSubscribedTo("alice") && carol.IsSubscribedTo("bob") && carol.IsSubscribedTo("viewer"));
        Assert.False(alice.IsSubscribedTo("alice"));
        Assert.False(alice.IsSubscribedTo("nobody-of-this-room"));
        Assert.False(viewer.IsSubscribedTo("alice") || viewer.IsSubscribedTo("carol"));

        // Allowed again later: those who join from now on are received, the earlier ones are not (as before the cut).
        viewer.SetPermissions(canPublish: true, canSubscribe: true);
        var dave = Join("dave");
        Assert.True(viewer.IsSubscribedTo("dave"));
        Assert.False(viewer.IsSubscribedTo("bob"));

        // A member who joined while alice could not subscribe stays out of her subscriptions.
        alice.SetPermissions(canPublish: true, canSubscribe: false);
        Join("erin");
        Assert.False(alice.IsSubscribedTo("erin"));
        Assert.True(alice.IsSubscribedTo("dave"));

        await LeaveAsync(bob);
        Assert.False(alice.IsSubscribedTo("bob") || carol.IsSubscribedTo("bob") || dave.IsSubscribedTo("bob"));

        // The same id back again is received again.
        alice.SetPermissions(canPublish: true, canSubscribe: true);
        Join("bob");
        Assert.True(alice.IsSubscribedTo("bob") && carol.IsSubscribedTo("bob"));
    }

    [Fact]
    public void A_sessions_memory_does_not_grow_with_the_room()
    {
        // Issue 16 item 4: each session held a set of every other member's id, so a 500-listener room cost 28 KB per
        // listener more than a 100-listener one (gcdump of the real server). Bytes retained per joined session, for
        // 50 joins and for the next 350, must be about the same; with the copies the later ones cost ~5x more.
        for (int i = 0; i < 10; i++)
        {
            Join($"warm{i}"); // first use of every type and cache
        }
        long start = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < 50; i++)
        {
            Join($"p{i}");
        }
        long at50 = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 50; i < 400; i++)
        {
            Join($"p{i}");
        }
        long at400 = GC.GetTotalMemory(forceFullCollection: true);

        double first = (at50 - start) / 50.0;
        double later = (at400 - at50) / 350.0;
        output.WriteLine($"retained per session: {first:N0} B (50 joins), {later:N0} B (the next 350)");
        Assert.True(later < first * 1.5, $"retained per session: {first:N0} B (50 joins), {later:N0} B (the next 350)");
        Assert.All(_members, m => Assert.True(m.IsSubscribedTo("p0") != (m.ParticipantId == "p0")));
    }

    private sealed class QuietHost : ISfuSessionHost
    {
        public void Send(SignalMessage message)
        {
        }

        public void ReportState(SfuSessionState state)
        {
        }

        public void Post(Action action)
        {
        }
    }
}
