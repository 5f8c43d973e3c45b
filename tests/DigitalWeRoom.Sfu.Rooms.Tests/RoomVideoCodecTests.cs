using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>The room's video codec: chosen by the first participant from the preference order, fixed afterwards.</summary>
public sealed class RoomVideoCodecTests
{
    private readonly FakeMediaFactory _media = new();

    private RoomRegistry Registry(params string[] preference) =>
        new(new RoomSettings { P2PEnabled = false, VideoCodecs = preference }, new FakeTimeProvider(), _media, NullLoggerFactory.Instance);

    [Fact]
    public void Choice_is_the_first_preferred_codec_the_client_supports_case_insensitively()
    {
        Assert.Equal("VP9", VideoCodecCatalog.Choose(["VP9", "VP8"], ["vp8", "vp9"]));
        Assert.Equal("VP8", VideoCodecCatalog.Choose(["VP9", "VP8"], ["VP8", "H264"]));
        Assert.Equal("H264", VideoCodecCatalog.Choose(["AV1", "H264"], ["h264"]));
        Assert.Null(VideoCodecCatalog.Choose(["VP9"], ["VP8"]));
        Assert.Null(VideoCodecCatalog.Choose(["VP9"], []));
        // No list (an older page): every configured codec is assumed, so the first one wins.
        Assert.Equal("VP9", VideoCodecCatalog.Choose(["VP9", "VP8"], null));
    }

    [Fact]
    public void Preference_lists_are_validated()
    {
        Assert.Null(VideoCodecCatalog.Validate(["VP8", "vp9", "H264", "AV1"]));
        Assert.NotNull(VideoCodecCatalog.Validate([]));
        Assert.NotNull(VideoCodecCatalog.Validate(null));
        Assert.Contains("'HEVC'", VideoCodecCatalog.Validate(["VP8", "HEVC"]), StringComparison.Ordinal);
        Assert.Contains("twice", VideoCodecCatalog.Validate(["VP8", "vp8"]), StringComparison.Ordinal);
        Assert.Equal(["VP8", "VP9", "H264", "AV1"], new RoomSettings().VideoCodecs);
    }

    [Fact]
    public void Join_codecs_are_bounded_in_count_and_length()
    {
        static bool Valid(IReadOnlyList<string>? codecs) => SignalingValidator.TryValidate(
            new SignalMessage { Type = MessageTypes.Join, Room = "r", Name = "n", Codecs = codecs }, 1000, out _, out _);
        Assert.True(Valid(null));
        Assert.True(Valid(["VP8", "VP9", "H264", "AV1"]));
        Assert.True(Valid([.. Enumerable.Range(0, SignalingValidator.MaxCodecs).Select(i => $"C{i}")]));
        Assert.False(Valid([.. Enumerable.Range(0, SignalingValidator.MaxCodecs + 1).Select(i => $"C{i}")]));
        Assert.False(Valid([new string('x', SignalingValidator.MaxCodecNameLength + 1)]));
        Assert.False(Valid([""]));
        Assert.False(Valid(["VP\n8"]));
        Assert.False(Valid([null!]));
    }

    [Fact]
    public async Task First_joiner_fixes_the_codec_and_a_late_joiner_without_it_is_refused_without_disturbing_anyone()
    {
        var registry = Registry("VP9", "VP8", "H264");
        var ca = new FakeConnection();
        var a = await registry.JoinAsync("c1", ca, "alice", false, [], ["VP8", "VP9"]);
        Assert.Equal(JoinOutcome.Joined, a.Outcome);
        await a.Room!.FlushAsync();
        Assert.Equal("VP9", ca.OfType(MessageTypes.Joined).Single().VideoCodec);

        // Bob supports VP8 too but the room stays on VP9: forwarding needs one codec for everybody.
        var cb = new FakeConnection();
        var b = await registry.JoinAsync("c1", cb, "bob", false, [], ["vp9", "VP8"]);
        Assert.Equal(JoinOutcome.Joined, b.Outcome);
        await a.Room.FlushAsync();
        Assert.Equal("VP9", cb.OfType(MessageTypes.Joined).Single().VideoCodec);

        ca.Clear();
        var cc = new FakeConnection();
        var c = await registry.JoinAsync("c1", cc, "carol", false, [], ["VP8", "H264"]);
        Assert.Equal(JoinOutcome.UnsupportedCodec, c.Outcome);
        Assert.Null(c.ParticipantId);
        Assert.Equal("this room uses VP9 and your browser cannot decode it (it offers: VP8, H264)", c.Detail);
        Assert.Empty(cc.Sent);
        await a.Room.FlushAsync();
        Assert.Empty(ca.Sent); // nobody heard of carol
        Assert.Equal(2, a.Room.Snapshot.Participants.Count);
        Assert.Equal("VP9", a.Room.Snapshot.VideoCodec);
        Assert.Equal(2, _media.Sessions.Count);
        Assert.Equal(["VP9"], _media.VideoCodecs);
    }

    [Fact]
    public async Task A_first_joiner_with_no_configured_codec_is_refused_and_the_next_one_chooses()
    {
        var registry = Registry("VP9", "H264");
        var a = await registry.JoinAsync("c2", new FakeConnection(), "alice", false, [], ["VP8"]);
        Assert.Equal(JoinOutcome.UnsupportedCodec, a.Outcome);
        Assert.Contains("VP9, H264", a.Detail, StringComparison.Ordinal);

        var cb = new FakeConnection();
        var b = await registry.JoinAsync("c2", cb, "bob", false, [], ["VP8", "H264"]);
        Assert.Equal(JoinOutcome.Joined, b.Outcome);
        await b.Room!.FlushAsync();
        Assert.Equal("H264", cb.OfType(MessageTypes.Joined).Single().VideoCodec);
    }

    [Fact]
    public async Task A_joiner_that_sends_no_codec_list_is_assumed_to_support_the_room_codec()
    {
        var registry = Registry("VP8", "VP9");
        var ca = new FakeConnection();
        var a = await registry.JoinAsync("c3", ca, "alice", false, []);
        Assert.Equal(JoinOutcome.Joined, a.Outcome);
        await a.Room!.FlushAsync();
        Assert.Equal("VP8", ca.OfType(MessageTypes.Joined).Single().VideoCodec);
        var b = await registry.JoinAsync("c3", new FakeConnection(), "bob", false, [], null);
        Assert.Equal(JoinOutcome.Joined, b.Outcome);
    }
}
