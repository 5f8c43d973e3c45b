using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Issue #4 item 3 with real Chromium: the room's video codec is the preferred one every page decodes.</summary>
public sealed class VideoCodecMeetingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("VP9")]
    [InlineData("H264")]
    [InlineData("AV1")]
    public async Task With_a_codec_preferred_over_VP8_three_pages_decode_each_other_in_it_and_a_VP8_only_page_is_refused(string codec)
    {
        await using var host = await MeetingHost.StartAsync(new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Media:VideoCodecs:0"] = codec,
            ["Sfu:Media:VideoCodecs:1"] = "VP8",
        });
        var pages = new List<(IPage Page, string Id)>();
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            var page = await host.OpenAsync(codec, name);
            await Dwr.WaitForModeAsync(page, "sfu");
            pages.Add((page, await Dwr.IdAsync(page)));
        }

        foreach (var (page, id) in pages)
        {
            foreach (var (_, remote) in pages.Where(p => p.Id != id))
            {
                var (_, after) = await Dwr.AssertFlowingAsync(page, remote, "sfu", seconds: 1);
                output.WriteLine($"{id} <- {remote}: {after}");
            }

            // Every decoding video receiver on the server connection runs the room's codec.
            var codecs = await page.EvaluateAsync<string[]>("""
                async () => {
                  const r = await window.dwrSfu.pc.getStats();
                  const out = [];
                  r.forEach((s) => {
                    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.framesDecoded > 0) out.push(r.get(s.codecId)?.mimeType ?? '?');
                  });
                  return out;
                }
                """);
            output.WriteLine($"{id}: inbound video codecs {string.Join(", ", codecs)}");
            Assert.Equal(2, codecs.Length);
            Assert.All(codecs, c => Assert.Equal($"video/{codec}", c));
        }

        var room = (await host.RoomsAsync()).EnumerateArray().Single(r => r.GetProperty("name").GetString() == codec);
        Assert.Equal(codec, room.GetProperty("videoCodec").GetString());

        // The router recognises the codec's key frames (KeyFrameDetector): the key-frame cache and simulcast layer
        // switching depend on it. Every camera's lowest layer has sent at least its first key frame.
        var router = host.Services.GetRequiredService<SfuMediaHost>().FindRoom(codec)!.Router;
        var video = router.Producers.ToArray().Where(p => p.Kind == DigitalWeRoom.Sfu.Media.Routing.MediaKind.Video && p.Receiver.PacketsReceived > 0).ToArray();
        output.WriteLine($"server video producers (key frames / packets / cached packets): {string.Join(", ", video.Select(p => $"{p.Id} {p.KeyFrames}/{p.Receiver.PacketsReceived}/{p.KeyFrameCache?.Count}"))}; "
            + $"cache replays {router.Counters.KeyFrameCacheReplays}");
        Assert.NotEmpty(video);
        Assert.All(video.Where(p => p.Rid is null or "q"), p => Assert.True(p.KeyFrames > 0, $"{p.Id}: no {codec} key frame recognised"));

        // A page that can only do VP8 is told why and not admitted; the three stay.
        var late = await host.OpenAsync(codec, "dave", "&codecs=VP8");
        await late.WaitForFunctionAsync("() => window.dwr && window.dwr.errors.some(e => e.code === 'unsupported-codec')", null,
            new PageWaitForFunctionOptions { Timeout = 20_000 });
        var reason = await late.EvaluateAsync<string>("() => window.dwr.errors.find(e => e.code === 'unsupported-codec').reason");
        output.WriteLine($"dave: {reason}");
        Assert.Equal($"this room uses {codec} and your browser cannot decode it (it offers: VP8)", reason);
        Assert.Null(await late.EvaluateAsync<string?>("() => window.dwr.participantId ?? null"));
        room = (await host.RoomsAsync()).EnumerateArray().Single(r => r.GetProperty("name").GetString() == codec);
        Assert.Equal(3, room.GetProperty("participants").GetArrayLength());
    }
}
