using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>The rooms' event hook: every event, in order, from the control loop, with the time spent in the previous mode.</summary>
public sealed class RoomEventsTests
{
    private static readonly IceServerInfo[] NoIce = [];
    private readonly FakeTimeProvider _time = new();
    private readonly RoomRegistry _registry;
    private readonly Recorder _events = new();

    public RoomEventsTests()
    {
        _registry = new RoomRegistry(new RoomSettings { P2PConnectTimeout = TimeSpan.FromSeconds(10) }, _time, new FakeMediaFactory(), NullLoggerFactory.Instance);
        _registry.Events.Subscribe(new Throwing()); // A broken sink must not stop the others or the room.
        _registry.Events.Subscribe(_events);
    }

    [Fact]
    public async Task Joins_switches_and_leaves_are_reported_in_order_with_mode_durations()
    {
        var a = await _registry.JoinAsync("r", new FakeConnection(), "Ada", true, NoIce);
        var room = a.Room!;
        await room.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(3));
        var b = await _registry.JoinAsync("r", new FakeConnection(), "Bob", true, NoIce);
        await room.FlushAsync();
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.P2pConnected });
        await room.PostAsync(b.ParticipantId!, new SignalMessage { Type = MessageTypes.P2pConnected });
        await room.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(60));
        var c = await _registry.JoinAsync("r", new FakeConnection(), "Cy", true, NoIce);
        await room.FlushAsync();
        await room.LeaveAsync(c.ParticipantId!, "left");
        await room.LeaveAsync(b.ParticipantId!, "left");
        await room.LeaveAsync(a.ParticipantId!, "left");

        Assert.Equal(
            ["started", "joined Ada 1", "joined Bob 2", "mode sfu>switching 3000", "mode switching>p2p 1500", "joined Cy 3",
             "mode p2p>sfu 60000", "left Cy 2", "left Bob 1", "left Ada 0", "finished"],
            _events.Lines);
    }

    [Fact]
    public async Task A_switch_that_times_out_reports_switching_to_sfu_with_its_duration()
    {
        var a = await _registry.JoinAsync("r", new FakeConnection(), "Ada", true, NoIce);
        await _registry.JoinAsync("r", new FakeConnection(), "Bob", true, NoIce);
        await a.Room!.FlushAsync();
        _time.Advance(TimeSpan.FromSeconds(10));
        await a.Room.FlushAsync();

        Assert.Equal(["mode sfu>switching 0", "mode switching>sfu 10000"], _events.Lines.Where(l => l.StartsWith("mode", StringComparison.Ordinal)));
    }

    private sealed class Recorder : IRoomEventSink
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string[] Lines => [.. _lines];

        public void OnRoomStarted(string room) => _lines.Enqueue("started");

        public void OnRoomFinished(string room) => _lines.Enqueue("finished");

        public void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount) => _lines.Enqueue($"joined {participant.Name} {participantCount}");

        public void OnParticipantLeft(string room, ParticipantInfo participant, int participantCount, string reason) => _lines.Enqueue($"left {participant.Name} {participantCount}");

        public void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode) =>
            _lines.Enqueue($"mode {from}>{to} {timeInPreviousMode.TotalMilliseconds:0}");
    }

    private sealed class Throwing : IRoomEventSink
    {
        public void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount) => throw new InvalidOperationException("sink bug");

        public void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode) => throw new InvalidOperationException("sink bug");
    }
}
