using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Signaling;

/// <summary>
/// <c>slow_client</c> means a member whose queue of signaling messages filled up because it does not read: it is
/// disconnected and counted. Members that simply left must not be counted (or logged) as slow, however many leave at
/// once: a mass leave broadcasts <c>participant-left</c> to members that are themselves on their way out.
/// </summary>
public sealed class SlowClientTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new SfuHost(new()
        {
            ["Sfu:Limits:MaxParticipantsPerRoom"] = "200",
            ["Sfu:Limits:ConnectionsPerIp"] = "1000",
            ["Sfu:Limits:SendQueueLength"] = "64",
            ["Sfu:Limits:MaxChatLength"] = "60000",
            ["Sfu:Limits:MaxMessageBytes"] = "65536",
            ["Sfu:Limits:MessagesPerSecond"] = "1000",
            ["Sfu:Limits:JoinsPerIpPerMinute"] = "1000",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>More members than the queue has slots: each leave sends every remaining member a participant-left.</summary>
    private const int Members = 100;

    private long SlowClients => _host.Services.GetRequiredService<SignalingDrops>().Get(SignalingDropReason.SlowClient);

    [Fact]
    public async Task A_hundred_members_leaving_at_once_are_not_counted_as_slow_clients()
    {
        var clients = new List<WsClient>();
        for (int i = 0; i < Members; i++)
        {
            var client = await _host.ConnectAsync();
            await client.JoinAsync("exodus", $"p{i}", p2p: false);
            clients.Add(client);
        }

        // Every member read what it was sent so far (a small queue would otherwise overflow on the joins). Joins past
        // Sfu:Limits:PresenceBatchAbove (50) are told in batches: the last one comes in a participants-changed.
        await clients[0].WaitForAsync(MessageTypes.ParticipantsChanged, m => m.Participants!.Any(p => p.Name == $"p{Members - 1}"));
        Assert.Equal(0, SlowClients);

        await Task.WhenAll(clients.Select(c => c.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None)));
        var registry = _host.Services.GetRequiredService<RoomRegistry>();
        for (int i = 0; i < 100 && registry.Find("exodus") is not null; i++)
        {
            await Task.Delay(100);
        }

        Assert.Null(registry.Find("exodus"));
        Assert.Equal(0, SlowClients);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_member_that_stops_reading_is_disconnected_and_counted_and_the_room_goes_on()
    {
        await using var reader = await _host.ConnectAsync();
        await reader.JoinAsync("stuck", "reader", p2p: false);
        var stuck = new ClientWebSocket();
        await stuck.ConnectAsync(_host.WebSocketUri, CancellationToken.None);
        await stuck.SendAsync(System.Text.Encoding.UTF8.GetBytes("""{"type":"join","room":"stuck","name":"stuck","p2p":false}"""),
            WebSocketMessageType.Text, true, CancellationToken.None);
        await reader.WaitForAsync(MessageTypes.ParticipantJoined, m => m.Participant!.Name == "stuck");

        // The stuck client never reads: 60 KB chat messages fill the kernel's socket buffers, then its queue of 64.
        string text = new('x', 60_000);
        for (int i = 0; i < 2000 && SlowClients == 0; i++)
        {
            await reader.SendAsync(new SignalMessage { Type = MessageTypes.Chat, Text = text });
            await Task.Delay(5);
        }

        Assert.Equal(1, SlowClients);
        await reader.WaitForAsync(MessageTypes.ParticipantLeft);
        stuck.Abort();
    }
}
