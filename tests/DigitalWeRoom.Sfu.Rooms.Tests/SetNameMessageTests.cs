using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>
/// <c>set-name</c> (docs/signaling.md): validated like the join's name, broadcast to everyone with the sender's id,
/// kept for later joiners, the Room API and chat; refused when the token chose the name; rate-limited.
/// </summary>
public sealed class SetNameMessageTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeMediaFactory _media = new();
    private readonly RoomRegistry _registry;

    public SetNameMessageTests() =>
        _registry = new RoomRegistry(new RoomSettings(), _time, _media, NullLoggerFactory.Instance);

    private static (bool Ok, string Code, string Reason) Validate(string? name)
    {
        var ok = SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.SetName, Name = name }, 1000, out var code, out var reason);
        return (ok, code, reason);
    }

    [Fact]
    public void The_name_follows_the_join_rules()
    {
        Assert.True(Validate("Ada").Ok);
        Assert.True(Validate("  Ada Lovelace  ").Ok);
        Assert.True(Validate("Zoë 🙂").Ok);
        Assert.True(Validate(new string('x', SignalingValidator.MaxDisplayNameLength)).Ok);

        foreach (var bad in new[] { null, "", "   ", new string('x', SignalingValidator.MaxDisplayNameLength + 1), "Ada\nLovelace", "a\u0000b", "\u001b[31m" })
        {
            var (ok, code, reason) = Validate(bad);
            Assert.False(ok, $"accepted {bad}");
            Assert.Equal(ErrorCodes.InvalidField, code);
            Assert.Contains("'name'", reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_rename_reaches_everyone_the_snapshot_chat_and_later_joiners()
    {
        var ca = new FakeConnection();
        var cb = new FakeConnection();
        var a = await _registry.JoinAsync("rename", ca, "alice", true, []);
        await _registry.JoinAsync("rename", cb, "bob", true, []);
        var room = a.Room!;
        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.SetName, Name = "  Alice Liddell " });
        await room.FlushAsync();

        foreach (var c in new[] { ca, cb })
        {
            var renamed = Assert.Single(c.OfType(MessageTypes.SetName));
            Assert.Equal(a.ParticipantId, renamed.ParticipantId);
            Assert.Equal("Alice Liddell", renamed.Name);
        }

        Assert.Equal("Alice Liddell", room.Snapshot.Participants.Single(p => p.Id == a.ParticipantId).Name);
        var cc = new FakeConnection();
        await _registry.JoinAsync("rename", cc, "carol", true, []);
        await room.FlushAsync();
        Assert.Equal("Alice Liddell", cc.OfType(MessageTypes.Joined).Single().Participants!.Single(p => p.Id == a.ParticipantId).Name);

        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.Chat, Text = "hi" });
        await room.FlushAsync();
        Assert.Equal("Alice Liddell", cc.OfType(MessageTypes.Chat).Single().Name);
        Assert.Empty(ca.OfType(MessageTypes.Error));
    }

    [Fact]
    public async Task A_name_from_the_token_cannot_be_changed_and_nobody_hears_of_the_attempt()
    {
        var ca = new FakeConnection { NameFromToken = true };
        var cb = new FakeConnection();
        var a = await _registry.JoinAsync("token-name", ca, "Ada Lovelace", true, []);
        await _registry.JoinAsync("token-name", cb, "bob", true, []);
        var room = a.Room!;
        await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.SetName, Name = "Mallory", Id = "r1" });
        await room.FlushAsync();

        var error = Assert.Single(ca.OfType(MessageTypes.Error));
        Assert.Equal(ErrorCodes.NotAllowed, error.Code);
        Assert.Equal("r1", error.Id);
        Assert.Empty(ca.OfType(MessageTypes.SetName));
        Assert.Empty(cb.OfType(MessageTypes.SetName));
        Assert.Equal("Ada Lovelace", room.Snapshot.Participants.Single(p => p.Id == a.ParticipantId).Name);
    }

    [Fact]
    public async Task Renames_are_limited_to_ten_a_minute_one_second_apart()
    {
        var ca = new FakeConnection();
        var cb = new FakeConnection();
        var a = await _registry.JoinAsync("rate", ca, "alice", true, []);
        await _registry.JoinAsync("rate", cb, "bob", true, []);
        var room = a.Room!;
        async Task Rename(string name)
        {
            await room.PostAsync(a.ParticipantId!, new SignalMessage { Type = MessageTypes.SetName, Name = name });
            await room.FlushAsync();
        }

        await Rename("a1");
        await Rename("a2"); // at once: too soon
        Assert.Equal(ErrorCodes.RateLimited, Assert.Single(ca.OfType(MessageTypes.Error)).Code);
        Assert.Contains("every 1 s", ca.OfType(MessageTypes.Error)[0].Reason, StringComparison.Ordinal);

        await Rename("a1"); // the current name: nothing to do, nothing counted
        for (var i = 2; i <= RoomSignalHandler.RenamesPerMinute; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1.5));
            await Rename($"a{i}");
        }

        _time.Advance(TimeSpan.FromSeconds(1.5));
        await Rename("one too many");
        Assert.Equal(2, ca.OfType(MessageTypes.Error).Count);
        Assert.Contains("10 renames per minute", ca.OfType(MessageTypes.Error)[1].Reason, StringComparison.Ordinal);
        Assert.Equal(RoomSignalHandler.RenamesPerMinute, cb.OfType(MessageTypes.SetName).Count);
        Assert.Equal($"a{RoomSignalHandler.RenamesPerMinute}", room.Snapshot.Participants.Single(p => p.Id == a.ParticipantId).Name);

        _time.Advance(TimeSpan.FromMinutes(1));
        await Rename("later");
        Assert.Equal("later", cb.OfType(MessageTypes.SetName)[^1].Name);
    }
}
