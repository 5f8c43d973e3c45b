using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests;

/// <summary>
/// Chromium publishes fake camera + microphone to our server (one peer connection), the router forwards them to a
/// second peer connection in the same page, and Chromium decodes what it receives: ICE-lite, DTLS, SRTP both ways,
/// SSRC/seq rewrite, the PLI sent when the consumer is added, and SR/RR. Loopback only.
/// </summary>
public sealed class ChromiumSfuRoutingInteropTests(ITestOutputHelper output)
{
    internal const string PublishScript = """
        async () => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.pub = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          await pc.setLocalDescription(await pc.createOffer());
          return pc.localDescription.sdp;
        }
        """;

    internal const string SubscribeScript = """
        async () => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.sub = pc;
          pc.addTransceiver('audio', { direction: 'recvonly' });
          pc.addTransceiver('video', { direction: 'recvonly' });
          await pc.setLocalDescription(await pc.createOffer());
          return pc.localDescription.sdp;
        }
        """;

    [Fact]
    public async Task Chromium_publisher_is_forwarded_to_a_Chromium_subscriber_that_decodes_it()
    {
        await using var page = new LoopbackPageServer(LoopbackPageServer.BlankPage);
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        await using var router = new Router("interop", endpoint.Pool);
        await using var chromium = await Chromium.LaunchAsync();
        var tab = await Chromium.OpenPageAsync(chromium.Browser, page.Url);

        // Publisher: SSRCs from the offer for audio; video is left unsignaled and bound by the MID extension.
        var (pubAudio, pubVideo, publisher, pubWebRtc, _, opus, vp8, _) = await PublishAsync(tab, endpoint, router, rtx: false);

        var audioProducer = router.CreateProducer(publisher, new ProducerOptions("mic", MediaKind.Audio, pubAudio.SsrcIds[0],
            [new RtpCodec((byte)opus, "audio/opus", 48000)]) { Mid = pubAudio.Mid });
        var videoProducer = router.CreateProducer(publisher, new ProducerOptions("cam", MediaKind.Video, 0,
            [new RtpCodec((byte)vp8, "video/VP8", 90000)]) { Mid = pubVideo.Mid });

        // Subscriber: recvonly offer, our sendonly answer announces the consumers' output SSRCs.
        var (subOffer, subAudio, subVideo) = await OfferAsync(tab, SubscribeScript);
        Assert.Equal(opus, subAudio.FindCodec("opus")!.PayloadType); // no payload-type remapping yet
        Assert.Equal(vp8, subVideo.FindCodec("VP8")!.PayloadType);
        var (subscriber, subWebRtc) = CreateTransport(endpoint, router, subOffer, subAudio, "subscriber", default);
        const uint AudioOut = 0x11112222, VideoOut = 0x33334444;
        string subAnswer = BuildAnswer(subWebRtc, endpoint.Port, subOffer, "sendonly", opus, vp8, midId: 0, ssrcs: (AudioOut, VideoOut));
        output.WriteLine(subAnswer);
        await AnswerAsync(tab, "sub", subAnswer);

        await WaitFor(() => pubWebRtc.State == WebRtcTransportState.Connected && subWebRtc.State == WebRtcTransportState.Connected,
            TimeSpan.FromSeconds(10), () => $"publisher {pubWebRtc.State} subscriber {subWebRtc.State}");
        // Subscribe mid-stream: the subscriber can only decode once the PLI sent for the new consumer brings a key frame.
        await WaitFor(() => videoProducer.Ssrc != 0 && videoProducer.Receiver.PacketsReceived > 30, TimeSpan.FromSeconds(10),
            () => $"video packets {videoProducer.Receiver.PacketsReceived}");
        long keyFramesBefore = videoProducer.KeyFrames;
        router.CreateConsumer(subscriber, audioProducer, new ConsumerOptions("c-mic", AudioOut));
        router.CreateConsumer(subscriber, videoProducer, new ConsumerOptions("c-cam", VideoOut));

        var stats = (Audio: InboundRtp.None, Video: InboundRtp.None);
        var by = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < by)
        {
            stats = await Chromium.InboundRtpAsync(tab, "sub");
            if (stats.Audio.PacketsReceived > 50 && stats.Video.FramesDecoded > 10) break;
            await Task.Delay(200);
        }
        var c = router.Counters;
        output.WriteLine($"subscriber inbound: audio packets {stats.Audio.PacketsReceived}, video packets {stats.Video.PacketsReceived}, frames decoded {stats.Video.FramesDecoded}, width {stats.Video.FrameWidth}; "
            + $"router received {c.ReceivedPackets} forwarded {c.ForwardedPackets} rtcp {c.RtcpSent} PLI {c.KeyFrameRequestsSent} "
            + $"throttled {c.KeyFrameRequestsThrottled} drops {c.Drops.Total}; video ssrc bound {videoProducer.Ssrc:X8}, key frames {videoProducer.KeyFrames}");
        Assert.True(stats.Audio.PacketsReceived > 50, "audio packets received by the subscriber");
        Assert.True(stats.Video.FramesDecoded > 10, "video frames decoded by the subscriber");
        Assert.Equal(640, stats.Video.FrameWidth);
        Assert.NotEqual(0u, videoProducer.Ssrc);
        Assert.True(c.KeyFrameRequestsSent >= 1);
        Assert.True(videoProducer.KeyFrames > keyFramesBefore, "a key frame after the PLI");
        Assert.True(c.RtcpSent > 0);
        await tab.Context.CloseAsync();
    }

    /// <summary>Runs an offer script (<see cref="PublishScript"/> or <see cref="SubscribeScript"/>) and parses its SDP.</summary>
    internal static async Task<(SessionDescription Offer, MediaDescription Audio, MediaDescription Video)> OfferAsync(IPage tab, string script)
    {
        Assert.True(SdpParser.TryParse(await tab.EvaluateAsync<string>(script), out SessionDescription offer, out var error), error.ToString());
        return (offer, offer.Media.Single(m => m.Kind == "audio"), offer.Media.Single(m => m.Kind == "video"));
    }

    /// <summary>
    /// Runs <see cref="PublishScript"/>, makes the "publisher" transport (MID extension bound) and answers recvonly
    /// (with RTX accepted when <paramref name="rtx"/>; <c>Rtx</c> is then its payload type, else 0).
    /// </summary>
    internal static async Task<(MediaDescription Audio, MediaDescription Video, MediaTransport Media, WebRtcTransport WebRtc, int MidId, int Opus, int Vp8, int Rtx)> PublishAsync(
        IPage tab, UdpEndpoint endpoint, Router router, bool rtx)
    {
        var (offer, audio, video) = await OfferAsync(tab, PublishScript);
        int midId = video.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:mid")!.Value;
        var (media, webRtc) = CreateTransport(endpoint, router, offer, audio, "publisher", new RtpHeaderExtensionIds(Mid: (byte)midId));
        int opus = audio.FindCodec("opus")!.PayloadType;
        int vp8 = video.FindCodec("VP8")!.PayloadType;
        int rtxPt = rtx ? video.FindRtxFor(vp8)!.Value : 0;
        await AnswerAsync(tab, "pub", BuildAnswer(webRtc, endpoint.Port, offer, "recvonly", opus, vp8, midId, ssrcs: null, rtx: rtxPt));
        return (audio, video, media, webRtc, midId, opus, vp8, rtxPt);
    }

    /// <summary>Applies <paramref name="sdp"/> as the answer of the page's <c>window[<paramref name="pc"/>]</c>.</summary>
    internal static Task AnswerAsync(IPage tab, string pc, string sdp) =>
        tab.EvaluateAsync("async ([name, sdp]) => { await window[name].setRemoteDescription({ type: 'answer', sdp }); }", new object[] { pc, sdp });

    internal static (MediaTransport Media, WebRtcTransport WebRtc) CreateTransport(UdpEndpoint endpoint, Router router, SessionDescription offer,
        MediaDescription first, string id, RtpHeaderExtensionIds extensions, Func<IRtpPacketSender, IRtpPacketSender>? wrapSender = null)
    {
        SdpFingerprint fingerprint = offer.FingerprintFor(first)!;
        WebRtcTransport transport = endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Server,
            RemoteFingerprint = new CertificateFingerprint(fingerprint.HashFunction.ToLowerInvariant(), fingerprint.Value),
            RemoteIceUfrag = offer.IceUfragFor(first),
            RemoteIcePassword = offer.IcePwdFor(first),
        });
        // The production wiring (SfuSession): the media transport listens to the WebRtcTransport and sends through it.
        var media = router.CreateTransport(id, wrapSender is null ? transport : wrapSender(transport), extensions);
        transport.Listener = media;
        return (media, transport);
    }

    /// <summary>ICE-lite, passive answer by hand (RFC 8829 §5.3 shape); sendonly sections announce an SSRC (RFC 5576).</summary>
    /// <remarks>With <paramref name="rtx"/> the video section also accepts RTX (RFC 4588 §8.6); with <paramref name="rtxSsrc"/> it announces it (ssrc-group FID).</remarks>
    internal static string BuildAnswer(WebRtcTransport transport, int port, SessionDescription offer, string direction, int opus, int vp8, int midId, (uint Audio, uint Video)? ssrcs, int rtx = 0, uint rtxSsrc = 0)
    {
        var audio = offer.Media.Single(m => m.Kind == "audio");
        var video = offer.Media.Single(m => m.Kind == "video");
        var sdp = new StringBuilder();
        void Line(string text) => sdp.Append(text).Append("\r\n");
        Line("v=0");
        Line("o=- 4611731400430051337 2 IN IP4 127.0.0.1");
        Line("s=-");
        Line("t=0 0");
        Line($"a=group:BUNDLE {audio.Mid} {video.Mid}");
        Line("a=ice-lite");
        if (ssrcs is not null) Line("a=msid-semantic: WMS sfu");
        foreach (var (kind, mid, pt, codec) in new[] { ("audio", audio.Mid!, opus, "opus/48000/2"), ("video", video.Mid!, vp8, "VP8/90000") })
        {
            string formats = kind == "video" && rtx != 0 ? string.Create(CultureInfo.InvariantCulture, $"{pt} {rtx}") : pt.ToString(CultureInfo.InvariantCulture);
            Line(string.Create(CultureInfo.InvariantCulture, $"m={kind} {port} UDP/TLS/RTP/SAVPF {formats}"));
            Line("c=IN IP4 127.0.0.1");
            Line("a=ice-ufrag:" + transport.LocalIceCredentials.Ufrag);
            Line("a=ice-pwd:" + transport.LocalIceCredentials.Password);
            Line("a=fingerprint:" + transport.LocalFingerprint);
            Line("a=setup:passive");
            Line("a=mid:" + mid);
            if (midId != 0) Line(string.Create(CultureInfo.InvariantCulture, $"a=extmap:{midId} urn:ietf:params:rtp-hdrext:sdes:mid"));
            Line("a=" + direction);
            if (ssrcs is not null) Line($"a=msid:sfu {kind}-track");
            Line("a=rtcp-mux");
            Line("a=rtcp-rsize");
            Line(string.Create(CultureInfo.InvariantCulture, $"a=rtpmap:{pt} {codec}"));
            if (kind == "video")
            {
                Line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{pt} nack pli"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{pt} ccm fir"));
                if (rtx != 0)
                {
                    Line(string.Create(CultureInfo.InvariantCulture, $"a=rtcp-fb:{pt} nack"));
                    Line(string.Create(CultureInfo.InvariantCulture, $"a=rtpmap:{rtx} rtx/90000"));
                    Line(string.Create(CultureInfo.InvariantCulture, $"a=fmtp:{rtx} apt={pt}"));
                }
            }
            if (ssrcs is { } pair)
            {
                uint ssrc = kind == "audio" ? pair.Audio : pair.Video;
                if (kind == "video" && rtxSsrc != 0) Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc-group:FID {ssrc} {rtxSsrc}"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} cname:sfu"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} msid:sfu {kind}-track"));
                if (kind == "video" && rtxSsrc != 0)
                {
                    Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{rtxSsrc} cname:sfu"));
                    Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{rtxSsrc} msid:sfu {kind}-track"));
                }
            }
            foreach (var candidate in transport.LocalCandidates)
            {
                Line("a=" + candidate.ToSdpValue());
            }
            Line("a=end-of-candidates");
        }
        return sdp.ToString();
    }

    internal static async Task WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> diagnose)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Timed out: " + diagnose());
            await Task.Delay(50);
        }
    }
}
