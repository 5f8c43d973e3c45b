using System.Net.WebSockets;
using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Signaling;

/// <summary>The room video codec over the real host: <c>joined.videoCodec</c>, the server's offer, and <c>unsupported-codec</c>.</summary>
public sealed class VideoCodecSignalingTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new SfuHost(new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Media:VideoCodecs:0"] = "VP9",
            ["Sfu:Media:VideoCodecs:1"] = "VP8",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_late_joiner_without_the_room_codec_gets_unsupported_codec_and_the_first_participant_stays()
    {
        await using var a = await _host.ConnectAsync();
        await a.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "codec1", Name = "alice", Codecs = ["VP8", "VP9", "H264"] });
        var joined = await a.WaitForAsync(MessageTypes.Joined);
        Assert.Equal("VP9", joined.VideoCodec);

        // The server's offer carries only the room's video codec (+ its RTX), with the server's payload types.
        var offer = (await a.WaitForAsync(MessageTypes.Offer, m => m.From == SignalTargets.Server)).Sdp!;
        Assert.Contains("a=rtpmap:98 VP9/90000", offer, StringComparison.Ordinal);
        Assert.Contains("a=fmtp:99 apt=98", offer, StringComparison.Ordinal);
        Assert.DoesNotContain("VP8/90000", offer, StringComparison.Ordinal);
        Assert.DoesNotContain("H264/90000", offer, StringComparison.Ordinal);

        await using var b = await _host.ConnectAsync();
        await b.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "codec1", Name = "bob", Codecs = ["VP8", "H264"], Id = "j1" });
        var error = await b.ErrorAsync(ErrorCodes.UnsupportedCodec);
        Assert.Equal("j1", error.Id);
        Assert.Equal("this room uses VP9 and your browser cannot decode it (it offers: VP8, H264)", error.Reason);
        Assert.DoesNotContain(b.Received, m => m.Type == MessageTypes.Joined);

        // Bob may retry on another room; alice heard nothing and is still alone in hers.
        var bobId = await b.JoinAsync("codec2", "bob");
        Assert.NotEmpty(bobId);
        Assert.Equal("VP9", b.Received.Single(m => m.Type == MessageTypes.Joined).VideoCodec);
        Assert.DoesNotContain(a.Received, m => m.Type is MessageTypes.ParticipantJoined or MessageTypes.Error);
        Assert.Equal(WebSocketState.Open, a.Socket.State);

        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        using var rooms = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/rooms", UriKind.Relative)));
        var room = rooms.RootElement.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "codec1");
        Assert.Equal("VP9", room.GetProperty("videoCodec").GetString());
        Assert.Equal(1, room.GetProperty("participants").GetArrayLength());
    }
}
