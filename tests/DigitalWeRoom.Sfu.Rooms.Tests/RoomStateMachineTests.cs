using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

public sealed class RoomStateMachineTests
{
    private static readonly IceServerInfo[] NoIce = [];
    private readonly FakeTimeProvider _time = new();
    private readonly FakeMediaFactory _media = new();
    private readonly RoomSettings _settings = new() { BackToP2PDelay = TimeSpan.FromSeconds(5), P2PConnectTimeout = TimeSpan.FromSeconds(10), MaxParticipantsPerRoom = 4 };
    private readonly RoomRegistry _registry;

    public RoomStateMachineTests() => _registry = new RoomRegistry(_settings, _time, _media, NullLoggerFactory.Instance);

    private Task<(Room Room, string Id, FakeConnection Connection)> JoinAsync(string name, bool allowP2p = true, string room = "r1") =>
        _registry.JoinFlushedAsync(room, name, allowP2p);

    private static Task SignalAsync(Room room, string id, string type, string? target = null) =>
        room.PostAsync(id, new SignalMessage { Type = type, Target = target }).AsTask();

    private async Task<(Room Room, (string Id, FakeConnection C) A, (string Id, FakeConnection C) B)> TwoInP2pAsync()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        await SignalAsync(room, a, MessageTypes.P2pConnected, b);
        await SignalAsync(room, b, MessageTypes.P2pConnected, a);
        await room.FlushAsync();
        Assert.Equal("p2p", room.Snapshot.Mode);
        return (room, (a, ca), (b, cb));
    }

    [Fact]
    public async Task One_participant_is_on_the_server_path()
    {
        var (room, _, c) = await JoinAsync("alice");
        var joined = Assert.Single(c.OfType(MessageTypes.Joined));
        Assert.Equal("sfu", joined.Mode);
        Assert.Null(c.LastMode);
        Assert.Equal("sfu", room.Snapshot.Mode);
    }

    [Fact]
    public async Task Two_joins_switch_to_p2p_with_the_lower_id_as_initiator_and_only_after_both_report_connected()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");

        Assert.Equal("switching", room.Snapshot.Mode);
        var ma = ca.LastMode!;
        var mb = cb.LastMode!;
        Assert.Equal(("switching", b), (ma.Mode, ma.Peer));
        Assert.Equal(("switching", a), (mb.Mode, mb.Peer));
        var lowerIsA = string.CompareOrdinal(a, b) < 0;
        Assert.Equal(lowerIsA, ma.Initiator);
        Assert.Equal(!lowerIsA, mb.Initiator);

        // A fresh pair: the server connections exist but forward nothing.
        Assert.False(_media.Sessions[a].Forwarding);
        Assert.False(_media.Sessions[b].Forwarding);

        await SignalAsync(room, a, MessageTypes.P2pConnected, b);
        await room.FlushAsync();
        Assert.Equal("switching", room.Snapshot.Mode);

        await SignalAsync(room, b, MessageTypes.P2pConnected, a);
        await room.FlushAsync();
        Assert.Equal("p2p", room.Snapshot.Mode);
        Assert.Equal("p2p", ca.LastMode!.Mode);
        Assert.Equal("p2p", cb.LastMode!.Mode);

        // Make before break: server sessions exist and stay up, forwarding paused.
        Assert.False(_media.Sessions[a].Forwarding);
        Assert.False(_media.Sessions[b].Forwarding);
        Assert.False(_media.Sessions[a].Disposed);
    }

    [Fact]
    public async Task Third_join_switches_to_sfu_immediately_and_everyone_subscribes_to_everyone()
    {
        var (room, a, b) = await TwoInP2pAsync();
        var (_, c, cc) = await JoinAsync("carol");

        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Equal("sfu", a.C.LastMode!.Mode);
        Assert.Equal("sfu", b.C.LastMode!.Mode);
        Assert.Equal("sfu", Assert.Single(cc.OfType(MessageTypes.Joined)).Mode);
        Assert.True(_media.Sessions[a.Id].Forwarding);
        Assert.True(_media.Sessions[b.Id].Forwarding);
        Assert.Equal(new[] { b.Id, c }.Order(), _media.Sessions[a.Id].Subscriptions.Order());
        Assert.Equal(new[] { a.Id, b.Id }.Order(), _media.Sessions[c].Subscriptions.Order());
    }

    [Fact]
    public async Task Back_to_two_waits_for_the_delay_then_switches_and_declares_p2p_only_after_connected()
    {
        var (room, a, b) = await TwoInP2pAsync();
        var (_, c, _) = await JoinAsync("carol");
        a.C.Clear();
        b.C.Clear();

        await room.LeaveAsync(c, "test");
        Assert.Equal("sfu", room.Snapshot.Mode);

        _time.Advance(TimeSpan.FromSeconds(4.9));
        await room.FlushAsync();
        Assert.Null(a.C.LastMode);
        Assert.Equal("sfu", room.Snapshot.Mode);

        _time.Advance(TimeSpan.FromSeconds(0.2));
        await room.FlushAsync();
        Assert.Equal("switching", room.Snapshot.Mode);
        Assert.Equal("switching", a.C.LastMode!.Mode);
        Assert.Equal("switching", b.C.LastMode!.Mode);
        // Make before break: the server keeps forwarding until P2P is connected.
        Assert.True(_media.Sessions[a.Id].Forwarding);

        await SignalAsync(room, a.Id, MessageTypes.P2pConnected, b.Id);
        await SignalAsync(room, b.Id, MessageTypes.P2pConnected, a.Id);
        await room.FlushAsync();
        Assert.Equal("p2p", room.Snapshot.Mode);
        Assert.False(_media.Sessions[a.Id].Forwarding);
    }

    [Fact]
    public async Task A_rejoin_within_the_delay_keeps_the_room_on_sfu()
    {
        var (room, a, _) = await TwoInP2pAsync();
        var (_, c, _) = await JoinAsync("carol");
        await room.LeaveAsync(c, "reload");
        _time.Advance(TimeSpan.FromSeconds(2));
        await JoinAsync("carol");
        a.C.Clear();
        _time.Advance(TimeSpan.FromSeconds(10));
        await room.FlushAsync();
        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Null(a.C.LastMode);
    }

    [Fact]
    public async Task P2p_failure_leaves_the_room_on_sfu_until_membership_changes()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        await SignalAsync(room, a, MessageTypes.P2pFailed, b);
        await room.FlushAsync();

        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Equal("sfu", ca.LastMode!.Mode);
        Assert.Equal("sfu", cb.LastMode!.Mode);
        Assert.True(_media.Sessions[a].Forwarding);
        ca.Clear();

        _time.Advance(TimeSpan.FromMinutes(1));
        await room.FlushAsync();
        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Null(ca.LastMode);
        Assert.True(_media.Sessions[a].Forwarding);
    }

    [Fact]
    public async Task P2p_connect_timeout_falls_back_to_sfu()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, _) = await JoinAsync("bob");
        await SignalAsync(room, a, MessageTypes.P2pConnected, b);
        _time.Advance(TimeSpan.FromSeconds(9));
        await room.FlushAsync();
        Assert.Equal("switching", room.Snapshot.Mode);

        _time.Advance(TimeSpan.FromSeconds(1.1));
        await room.FlushAsync();
        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Equal("sfu", ca.LastMode!.Mode);

        // A late report changes nothing.
        await SignalAsync(room, b, MessageTypes.P2pConnected, a);
        await room.FlushAsync();
        Assert.Equal("sfu", room.Snapshot.Mode);
    }

    [Fact]
    public async Task Reload_removes_the_old_participant_and_the_rejoined_pair_goes_p2p_again_without_ghosts()
    {
        var (room, a, b) = await TwoInP2pAsync();
        await room.LeaveAsync(b.Id, "connection closed");

        Assert.Single(a.C.OfType(MessageTypes.ParticipantLeft), m => m.ParticipantId == b.Id);
        Assert.Equal("sfu", a.C.LastMode!.Mode);
        Assert.Single(room.Snapshot.Participants);
        Assert.True(_media.Sessions[b.Id].Disposed);

        var (room2, b2, cb2) = await JoinAsync("bob");
        Assert.Same(room, room2);
        Assert.Equal(["alice", "bob"], room.Snapshot.Participants.Select(p => p.Name));
        Assert.DoesNotContain(room.Snapshot.Participants, p => p.Id == b.Id);
        Assert.Equal("switching", cb2.LastMode!.Mode);
        Assert.Equal(a.Id, cb2.LastMode.Peer);
    }

    [Fact]
    public async Task Opting_out_of_p2p_keeps_two_on_sfu()
    {
        var (room, _, ca) = await JoinAsync("alice");
        await JoinAsync("bob", allowP2p: false);
        Assert.Equal("sfu", room.Snapshot.Mode);
        Assert.Null(ca.LastMode);
    }

    [Fact]
    public async Task P2p_disabled_keeps_two_on_sfu()
    {
        var registry = new RoomRegistry(_settings with { P2PEnabled = false }, _time, _media, NullLoggerFactory.Instance);
        var ca = new FakeConnection();
        var ra = await registry.JoinAsync("x", ca, "alice", true, NoIce);
        await registry.JoinAsync("x", new FakeConnection(), "bob", true, NoIce);
        await ra.Room!.FlushAsync();
        Assert.Equal("sfu", ra.Room.Snapshot.Mode);
        Assert.Null(ca.LastMode);
    }

    [Fact]
    public async Task Negotiation_is_relayed_only_to_the_current_peer_and_only_as_oneself()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        const string sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n";

        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Offer, Target = b, Sdp = sdp, Id = "1" });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Offer, Target = "nobody", Sdp = sdp, Id = "2" });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Offer, Target = b, Sdp = sdp, ParticipantId = b, Id = "3" });
        await room.FlushAsync();

        var relayed = Assert.Single(cb.OfType(MessageTypes.Offer), m => m.From == a);
        Assert.Equal(sdp, relayed.Sdp);
        var errors = ca.OfType(MessageTypes.Error);
        Assert.Contains(errors, e => e is { Code: ErrorCodes.InvalidTarget, Id: "2" });
        Assert.Contains(errors, e => e is { Code: ErrorCodes.NotYourId, Id: "3" });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Offer, Target = b, Sdp = "v=0\r\ns=-\r\nm=audio x\r\n", Id = "5" });
        await room.FlushAsync();
        errors = ca.OfType(MessageTypes.Error);
        Assert.Contains(errors, e => e is { Code: ErrorCodes.InvalidSdp, Id: "5" });
        Assert.Equal(3, errors.Count);
        Assert.Equal("switching", room.Snapshot.Mode);

        // On the server path there is no peer to relay to.
        await JoinAsync("carol");
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Offer, Target = b, Sdp = sdp, Id = "4" });
        await room.FlushAsync();
        Assert.Contains(ca.OfType(MessageTypes.Error), e => e is { Code: ErrorCodes.InvalidTarget, Id: "4" });
        Assert.Single(cb.OfType(MessageTypes.Offer), m => m.From == a);
    }

    [Fact]
    public async Task Server_session_offers_reach_the_client_and_answers_reach_the_session()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var offer = Assert.Single(ca.OfType(MessageTypes.Offer));
        Assert.Equal(SignalTargets.Server, offer.From);
        Assert.True(ca.Sent.ToList().FindIndex(m => m.Type == MessageTypes.Joined) < ca.Sent.ToList().FindIndex(m => m.Type == MessageTypes.Offer));

        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Answer, Target = SignalTargets.Server, Sdp = "v=0\r\nm=audio 9 x 0\r\n" });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Answer, Target = SignalTargets.Server, Sdp = "v=0\r\ns=no media\r\n", Id = "bad" });
        await room.FlushAsync();
        Assert.Equal(2, _media.Sessions[a].Answers.Count);
        Assert.Contains(ca.OfType(MessageTypes.Error), e => e is { Code: ErrorCodes.InvalidSdp, Id: "bad" });
    }

    [Fact]
    public async Task Chat_mute_and_tracks_are_broadcast_with_the_sender_identity()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, _, cb) = await JoinAsync("bob");
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Chat, Text = "<b>hi</b>" });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.Mute, Kind = "audio", Muted = true });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "s1:video", Kind = "video", Source = "camera" } });
        await room.FlushAsync();

        var chat = Assert.Single(cb.OfType(MessageTypes.Chat));
        Assert.Equal(("alice", "<b>hi</b>", a), (chat.Name, chat.Text, chat.ParticipantId));
        Assert.Single(ca.OfType(MessageTypes.Chat));
        Assert.Single(cb.OfType(MessageTypes.Mute), m => m.ParticipantId == a && m.Muted == true);
        Assert.Single(cb.OfType(MessageTypes.TrackPublished), m => m.ParticipantId == a);
        var alice = room.Snapshot.Participants.Single(p => p.Id == a);
        Assert.True(alice.AudioMuted);
        Assert.Equal("camera", Assert.Single(alice.Tracks).Source);
    }

    [Fact]
    public async Task A_full_room_refuses_and_an_empty_room_is_removed()
    {
        var joined = new List<(Room Room, string Id)>();
        for (var i = 0; i < 4; i++)
        {
            var (room, id, _) = await JoinAsync($"p{i}");
            joined.Add((room, id));
        }

        var full = await _registry.JoinAsync("r1", new FakeConnection(), "late", true, NoIce);
        Assert.Equal(JoinOutcome.RoomFull, full.Outcome);

        foreach (var (room, id) in joined)
        {
            await room.LeaveAsync(id, "test");
        }

        await joined[0].Room.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, _registry.Count);
        Assert.Empty(_registry.Snapshot());

        // The next join makes a fresh room.
        var (fresh, _, _) = await JoinAsync("again");
        Assert.NotSame(joined[0].Room, fresh);
    }

    [Fact]
    public async Task The_room_limit_is_enforced()
    {
        var registry = new RoomRegistry(_settings with { MaxRooms = 1 }, _time, _media, NullLoggerFactory.Instance);
        Assert.Equal(JoinOutcome.Joined, (await registry.JoinAsync("a", new FakeConnection(), "x", true, NoIce)).Outcome);
        Assert.Equal(JoinOutcome.TooManyRooms, (await registry.JoinAsync("b", new FakeConnection(), "y", true, NoIce)).Outcome);
    }
}
