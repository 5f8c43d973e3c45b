using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>The last-N messages: <c>view</c> validation and routing, and media-timer work marshalled onto the room loop.</summary>
public sealed class ViewAndSpeakerMessageTests
{
    private readonly FakeMediaFactory _media = new();
    private readonly RoomRegistry _registry;

    public ViewAndSpeakerMessageTests() =>
        _registry = new RoomRegistry(new RoomSettings(), new FakeTimeProvider(), _media, NullLoggerFactory.Instance);

    private static bool Valid(SignalMessage m) => SignalingValidator.TryValidate(m, 1000, out _, out _);

    [Fact]
    public void View_lists_are_optional_bounded_and_free_of_control_characters()
    {
        Assert.True(Valid(new SignalMessage { Type = MessageTypes.View }));
        Assert.True(Valid(new SignalMessage { Type = MessageTypes.View, Visible = ["a", "b"], Pinned = [] }));
        Assert.True(Valid(new SignalMessage { Type = MessageTypes.View, Visible = [.. Enumerable.Range(0, SignalingValidator.MaxViewIds).Select(i => $"p{i}")] }));

        Assert.False(Valid(new SignalMessage { Type = MessageTypes.View, Visible = [.. Enumerable.Range(0, SignalingValidator.MaxViewIds + 1).Select(i => $"p{i}")] }));
        Assert.False(Valid(new SignalMessage { Type = MessageTypes.View, Visible = [""] }));
        Assert.False(Valid(new SignalMessage { Type = MessageTypes.View, Pinned = [new string('x', SignalingValidator.MaxIdLength + 1)] }));
        Assert.False(Valid(new SignalMessage { Type = MessageTypes.View, Pinned = ["a\nb"] }));
        Assert.False(Valid(new SignalMessage { Type = MessageTypes.View, Visible = [null!] }));
        Assert.True(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.View, Visible = [""] }, 1000, out var code, out var reason) is false
            && code == ErrorCodes.InvalidField && reason.Contains("visible", StringComparison.Ordinal));
    }

    [Fact]
    public void Speaker_and_video_forwarded_are_server_messages_a_client_cannot_send()
    {
        Assert.False(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.Speaker, ParticipantId = "x" }, 1000, out var code, out _));
        Assert.Equal(ErrorCodes.UnknownType, code);
        Assert.False(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.VideoForwarded, On = ["x"] }, 1000, out code, out _));
        Assert.Equal(ErrorCodes.UnknownType, code);
    }

    [Fact]
    public async Task A_view_reaches_the_senders_server_session_with_empty_lists_for_missing_ones()
    {
        var ca = new FakeConnection();
        var a = await _registry.JoinAsync("v1", ca, "alice", true, []);
        var b = await _registry.JoinAsync("v1", new FakeConnection(), "bob", true, []);
        var room = a.Room!;
        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.View, Visible = [b.ParticipantId!], Pinned = [b.ParticipantId!] });
        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.View });
        await room.FlushAsync();

        var views = _media.Sessions[a.ParticipantId!].Views;
        Assert.Equal(2, views.Count);
        Assert.Equal([b.ParticipantId!], views[0].Visible);
        Assert.Equal([b.ParticipantId!], views[0].Pinned);
        Assert.Empty(views[1].Visible);
        Assert.Empty(views[1].Pinned);
        Assert.Empty(_media.Sessions[b.ParticipantId!].Views);
        Assert.Empty(ca.OfType(MessageTypes.Error));
    }

    [Fact]
    public async Task Work_posted_by_a_session_host_from_another_thread_runs_on_the_room_loop_in_order()
    {
        var ca = new FakeConnection();
        var a = await _registry.JoinAsync("v2", ca, "alice", true, []);
        await a.Room!.FlushAsync(); // the media session is made on the room loop after the join is answered
        var host = _media.Sessions[a.ParticipantId!].Host;
        var order = new List<int>();
        await Task.Run(() =>
        {
            host.Post(() => order.Add(1));
            host.Post(() => host.Send(new SignalMessage { Type = MessageTypes.Speaker, ParticipantId = a.ParticipantId }));
            host.Post(() => order.Add(2));
        });
        await a.Room!.FlushAsync();
        await a.Room.FlushAsync();

        Assert.Equal([1, 2], order);
        var speaker = Assert.Single(ca.OfType(MessageTypes.Speaker));
        Assert.Equal(a.ParticipantId, speaker.ParticipantId);
        Assert.Equal(SignalTargets.Server, speaker.From);
    }
}
