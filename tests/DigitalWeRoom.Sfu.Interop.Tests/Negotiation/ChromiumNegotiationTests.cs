using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using Xunit.Abstractions;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Interop.Tests.Negotiation;

/// <summary>
/// Chromium 156 (fake devices) against <see cref="SfuNegotiator"/>: the page answers the server's offers
/// the way the meeting page will (publish by answering the recvonly sections sendonly with a track attached),
/// and the server accepts the answers. No media flows: only offer/answer is checked.
/// </summary>
public sealed class ChromiumNegotiationTests(ITestOutputHelper output)
{
    private const string Page = """
        <!doctype html><html><body><script>
        window.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
        window.trackEvents = [];
        pc.ontrack = e => trackEvents.push({ mid: e.transceiver.mid, kind: e.track.kind, streams: e.streams.map(s => s.id) });
        window.answerOffer = async (offer, publish) => {
          await pc.setRemoteDescription({ type: 'offer', sdp: offer });
          if (publish) {
            const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 320, height: 240 } });
            for (const t of pc.getTransceivers()) {
              const track = t.mid === '0' ? stream.getAudioTracks()[0] : t.mid === '1' ? stream.getVideoTracks()[0]
                : (t.mid === '2' && publish === 'screen') ? stream.getVideoTracks()[0].clone() : null;
              if (track) {
                await t.sender.replaceTrack(track);
                t.sender.setStreams(stream);
                t.direction = 'sendonly';
              }
            }
          }
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          return pc.localDescription.sdp;
        };
        window.transceivers = () => pc.getTransceivers().map(t => ({ mid: t.mid, direction: t.direction, current: t.currentDirection }));
        </script></body></html>
        """;

    [Fact]
    public async Task Chromium_publishes_into_the_server_offer_and_accepts_reoffers()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var server = new LoopbackPageServer(Page);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await Chromium.OpenPageAsync(chromium.Browser, server.Url);
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 2026);

        // Round 1: 2 recvonly (publish) + 2 sendonly (subscribe) sections.
        var offer1 = negotiator.CreateOffer(new OfferRequest(true, true, false,
            [Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)]));
        var answer1 = await page.EvaluateAsync<string>("([o]) => answerOffer(o, true)", new object[] { offer1 }).WaitAsync(timeout.Token);
        output.WriteLine("offer 1:\n" + offer1 + "\nanswer 1:\n" + answer1);
        Assert.True(negotiator.TryApplyAnswer(answer1, out var result1, out var error1), error1);

        Assert.Equal(DtlsRole.Server, result1.LocalDtlsRole);
        Assert.Equal(32, result1.RemoteFingerprint.Value.Length);
        Assert.Matches("^[A-Za-z0-9+/]{4,}$", result1.RemoteIceUfrag);
        var audio = result1.Media[0];
        Assert.Equal(SlotPurpose.PublishAudio, audio.Purpose);
        Assert.True(audio.ClientSends);
        var audioStream = Assert.Single(audio.RemoteStreams);
        Assert.NotEqual(0u, audioStream.Ssrc);
        Assert.Null(audioStream.RtxSsrc);
        Assert.Equal(111, Assert.Single(audio.Codecs).PayloadType);
        Assert.NotEqual(0, audio.HeaderExtensionId(HeaderExtensionSpec.MidUri));
        var video = result1.Media[1];
        Assert.True(video.ClientSends);
        var videoStream = Assert.Single(video.RemoteStreams);
        Assert.NotNull(videoStream.RtxSsrc);
        Assert.NotEqual(videoStream.Ssrc, videoStream.RtxSsrc);
        var vp8 = Assert.Single(video.Codecs);
        Assert.Equal((96, (byte?)97), ((int)vp8.PayloadType, vp8.RtxPayloadType));
        Assert.Contains("nack pli", vp8.RtcpFeedback);
        Assert.Equal(audio.RemoteStreamId, video.RemoteStreamId);
        Assert.True(result1.Media[2].ClientReceives);
        Assert.True(result1.Media[3].ClientReceives);

        var events1 = await TrackEvents(page);
        Assert.Contains(events1, e => e.Mid == "2" && e.Kind == "audio" && e.Streams.SequenceEqual(["stream-a1"]));
        Assert.Contains(events1, e => e.Mid == "3" && e.Kind == "video" && e.Streams.SequenceEqual(["stream-v1"]));
        Assert.Equal(2, events1.Count);

        // Round 2: v1 leaves (mid 3 becomes inactive), a2 and v2 arrive (mids 4 and 5 appended).
        var offer2 = negotiator.CreateOffer(new OfferRequest(true, true, false,
            [Track("a1", MediaKind.Audio), Track("a2", MediaKind.Audio), Track("v2", MediaKind.Video)]));
        var answer2 = await page.EvaluateAsync<string>("([o]) => answerOffer(o, false)", new object[] { offer2 }).WaitAsync(timeout.Token);
        output.WriteLine("offer 2:\n" + offer2 + "\nanswer 2:\n" + answer2);
        Assert.True(negotiator.TryApplyAnswer(answer2, out var result2, out var error2), error2);
        Assert.Equal(6, result2.Media.Count);
        Assert.Equal(Protocols.Sdp.SdpDirection.Inactive, result2.Media[3].AnswerDirection);
        Assert.True(result2.Media[4].ClientReceives);
        Assert.True(result2.Media[5].ClientReceives);
        Assert.True(result2.Media[0].ClientSends);
        Assert.Equal(audioStream.Ssrc, Assert.Single(result2.Media[0].RemoteStreams).Ssrc);

        var events2 = await TrackEvents(page);
        Assert.Contains(events2, e => e.Mid == "4" && e.Kind == "audio" && e.Streams.SequenceEqual(["stream-a2"]));
        Assert.Contains(events2, e => e.Mid == "5" && e.Kind == "video" && e.Streams.SequenceEqual(["stream-v2"]));
        Assert.Equal(4, events2.Count);

        // Round 3: v3 arrives and reuses the idle video section (mid 3) with the same mid.
        var offer3 = negotiator.CreateOffer(new OfferRequest(true, true, false,
            [Track("a1", MediaKind.Audio), Track("a2", MediaKind.Audio), Track("v2", MediaKind.Video), Track("v3", MediaKind.Video)]));
        Assert.Equal("v3", negotiator.PendingSlots![3].Track!.TrackId);
        var answer3 = await page.EvaluateAsync<string>("([o]) => answerOffer(o, false)", new object[] { offer3 }).WaitAsync(timeout.Token);
        output.WriteLine("offer 3:\n" + offer3 + "\nanswer 3:\n" + answer3);
        Assert.True(negotiator.TryApplyAnswer(answer3, out var result3, out var error3), error3);
        Assert.Equal(6, result3.Media.Count);
        Assert.True(result3.Media[3].ClientReceives);
        var events3 = await TrackEvents(page);
        Assert.Contains(events3.Skip(4), e => e.Mid == "3" && e.Kind == "video" && e.Streams.SequenceEqual(["stream-v3"]));
        output.WriteLine("transceivers: " + await page.EvaluateAsync<JsonElement>("() => transceivers()"));
    }

    [Fact]
    public async Task Chromium_answers_the_camera_simulcast_offer_with_send_rids()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var server = new LoopbackPageServer(Page);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await Chromium.OpenPageAsync(chromium.Browser, server.Url);
        var negotiator = new SfuNegotiator(new NegotiationOptions { CameraSimulcastRids = ["h", "m", "l"] }, Local, seed: 7);
        var offer = negotiator.CreateOffer(new OfferRequest(true, true, false, []));
        var answer = await page.EvaluateAsync<string>("([o]) => answerOffer(o, true)", new object[] { offer }).WaitAsync(timeout.Token);
        output.WriteLine("offer:\n" + offer + "\nanswer:\n" + answer);
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        var camera = result.Media[1];
        Assert.True(camera.ClientSends);
        Assert.Equal(["h", "m", "l"], camera.RemoteRids);
        Assert.NotEqual(0, camera.HeaderExtensionId(HeaderExtensionSpec.RtpStreamIdUri));
        Assert.NotEqual(0, camera.HeaderExtensionId(HeaderExtensionSpec.RepairedRtpStreamIdUri));
    }

    /// <summary>
    /// A large room: 2 publish + 60 subscribe sections in one offer. Chromium's answer must fit the shared
    /// SDP parser's length limit (about 770 characters per subscribe section were measured).
    /// </summary>
    [Fact]
    public async Task Chromium_accepts_a_large_offer_and_its_answer_fits_the_parser_limit()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var server = new LoopbackPageServer(Page);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await Chromium.OpenPageAsync(chromium.Browser, server.Url);
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 11);
        var tracks = Enumerable.Range(0, 60)
            .Select(i => Track((i % 2 == 0 ? "a" : "v") + i, i % 2 == 0 ? MediaKind.Audio : MediaKind.Video)).ToArray();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var offer = negotiator.CreateOffer(new OfferRequest(true, true, false, tracks));
        var offerMs = started.Elapsed.TotalMilliseconds;
        var answer = await page.EvaluateAsync<string>("([o]) => answerOffer(o, true)", new object[] { offer }).WaitAsync(timeout.Token);
        started.Restart();
        bool ok = negotiator.TryApplyAnswer(answer, out var result, out var error);
        var answerMs = started.Elapsed.TotalMilliseconds;
        output.WriteLine($"offer {offer.Length} chars ({offerMs:F2} ms), answer {answer.Length} chars ({answerMs:F2} ms), {answer.Length / 62} chars per section");
        Assert.True(ok, error);
        Assert.Equal(62, result.Media.Count);
        Assert.All(result.Media.Skip(2), m => Assert.True(m.ClientReceives));
        Assert.True(answer.Length < Protocols.Sdp.SdpParser.MaxLength);
        var events = await TrackEvents(page);
        Assert.Equal(60, events.Count);
    }

    [Fact]
    public async Task Chromium_publishes_camera_and_screen_into_three_recvonly_sections()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var server = new LoopbackPageServer(Page);
        await using var chromium = await Chromium.LaunchAsync();
        var page = await Chromium.OpenPageAsync(chromium.Browser, server.Url);
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, seed: 3);
        var offer = negotiator.CreateOffer(new OfferRequest(true, true, true, [Track("a1", MediaKind.Audio)]));
        // The fake devices have no screen; a clone of the camera track stands in for getDisplayMedia.
        var answer = await page.EvaluateAsync<string>("([o]) => answerOffer(o, 'screen')", new object[] { offer }).WaitAsync(timeout.Token);
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        Assert.Equal(
            [SlotPurpose.PublishAudio, SlotPurpose.PublishVideo, SlotPurpose.PublishScreen, SlotPurpose.Subscribe],
            result.Media.Select(m => m.Purpose));
        Assert.All(result.Media.Take(3), m => Assert.True(m.ClientSends));
        var ssrcs = result.Media.Take(3).SelectMany(m => m.RemoteStreams)
            .SelectMany(s => new[] { s.Ssrc, s.RtxSsrc ?? 0 }).Where(s => s != 0).ToList();
        Assert.Equal(5, ssrcs.Count);
        Assert.Equal(5, ssrcs.Distinct().Count());
        Assert.True(result.Media[3].ClientReceives);
    }

    private static async Task<List<TrackEvent>> TrackEvents(Microsoft.Playwright.IPage page)
    {
        // ontrack fires during setRemoteDescription; read after it resolved.
        var json = await page.EvaluateAsync<JsonElement>("() => trackEvents");
        return [.. json.EnumerateArray().Select(e => new TrackEvent(
            e.GetProperty("mid").GetString()!, e.GetProperty("kind").GetString()!,
            [.. e.GetProperty("streams").EnumerateArray().Select(s => s.GetString()!)]))];
    }

    private sealed record TrackEvent(string Mid, string Kind, string[] Streams);
}
