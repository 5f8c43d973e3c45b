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
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests;

/// <summary>
/// Chromium publishes fake camera + microphone to our server (one peer connection), the router forwards them to a
/// second peer connection in the same page, and Chromium decodes what it receives: ICE-lite, DTLS, SRTP both ways,
/// SSRC/seq rewrite, the PLI sent when the consumer is added, and SR/RR. Loopback only.
/// </summary>
public sealed class ChromiumSfuRoutingInteropTests(ITestOutputHelper output)
{
    private const string PublishScript = """
        async () => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.pub = pc;
          const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 480 } });
          for (const track of stream.getTracks()) pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
          await pc.setLocalDescription(await pc.createOffer());
          return pc.localDescription.sdp;
        }
        """;

    private const string SubscribeScript = """
        async () => {
          const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          window.sub = pc;
          pc.addTransceiver('audio', { direction: 'recvonly' });
          pc.addTransceiver('video', { direction: 'recvonly' });
          await pc.setLocalDescription(await pc.createOffer());
          return pc.localDescription.sdp;
        }
        """;

    private const string InboundStatsScript = """
        async () => {
          const r = { audio: 0, video: 0, frames: 0, width: 0 };
          (await window.sub.getStats()).forEach(s => {
            if (s.type !== 'inbound-rtp') return;
            if (s.kind === 'audio') r.audio = s.packetsReceived;
            if (s.kind === 'video') { r.video = s.packetsReceived; r.frames = s.framesDecoded || 0; r.width = s.frameWidth || 0; }
          });
          return [r.audio, r.video, r.frames, r.width];
        }
        """;

    [Fact]
    public async Task Chromium_publisher_is_forwarded_to_a_Chromium_subscriber_that_decodes_it()
    {
        using var page = PageServer.Start();
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        await using var router = new Router("interop", endpoint.Pool);
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync();
            var tab = await context.NewPageAsync();
            await tab.GotoAsync(page.Url);

            // Publisher: SSRCs from the offer for audio; video is left unsignaled and bound by the MID extension.
            Assert.True(SdpParser.TryParse(await tab.EvaluateAsync<string>(PublishScript), out SessionDescription pubOffer, out var error), error.ToString());
            MediaDescription pubAudio = pubOffer.Media.Single(m => m.Kind == "audio");
            MediaDescription pubVideo = pubOffer.Media.Single(m => m.Kind == "video");
            int midId = pubVideo.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:mid")!.Value;
            var (publisher, pubWebRtc) = CreateTransport(endpoint, router, pubOffer, pubAudio, "publisher", new RtpHeaderExtensionIds(Mid: (byte)midId));
            int opus = pubAudio.FindCodec("opus")!.PayloadType;
            int vp8 = pubVideo.FindCodec("VP8")!.PayloadType;
            string pubAnswer = BuildAnswer(pubWebRtc, endpoint.Port, pubOffer, "recvonly", opus, vp8, midId, ssrcs: null);
            await tab.EvaluateAsync("async (sdp) => { await window.pub.setRemoteDescription({ type: 'answer', sdp }); }", pubAnswer);

            var audioProducer = router.CreateProducer(publisher, new ProducerOptions("mic", MediaKind.Audio, pubAudio.SsrcIds[0],
                [new RtpCodec((byte)opus, "audio/opus", 48000)]) { Mid = pubAudio.Mid });
            var videoProducer = router.CreateProducer(publisher, new ProducerOptions("cam", MediaKind.Video, 0,
                [new RtpCodec((byte)vp8, "video/VP8", 90000)]) { Mid = pubVideo.Mid });

            // Subscriber: recvonly offer, our sendonly answer announces the consumers' output SSRCs.
            Assert.True(SdpParser.TryParse(await tab.EvaluateAsync<string>(SubscribeScript), out SessionDescription subOffer, out error), error.ToString());
            MediaDescription subAudio = subOffer.Media.Single(m => m.Kind == "audio");
            MediaDescription subVideo = subOffer.Media.Single(m => m.Kind == "video");
            Assert.Equal(opus, subAudio.FindCodec("opus")!.PayloadType); // no payload-type remapping yet
            Assert.Equal(vp8, subVideo.FindCodec("VP8")!.PayloadType);
            var (subscriber, subWebRtc) = CreateTransport(endpoint, router, subOffer, subAudio, "subscriber", default);
            const uint AudioOut = 0x11112222, VideoOut = 0x33334444;
            string subAnswer = BuildAnswer(subWebRtc, endpoint.Port, subOffer, "sendonly", opus, vp8, midId: 0, ssrcs: (AudioOut, VideoOut));
            output.WriteLine(subAnswer);
            await tab.EvaluateAsync("async (sdp) => { await window.sub.setRemoteDescription({ type: 'answer', sdp }); }", subAnswer);

            await WaitFor(() => pubWebRtc.State == WebRtcTransportState.Connected && subWebRtc.State == WebRtcTransportState.Connected,
                TimeSpan.FromSeconds(10), () => $"publisher {pubWebRtc.State} subscriber {subWebRtc.State}");
            // Subscribe mid-stream: the subscriber can only decode once the PLI sent for the new consumer brings a key frame.
            await WaitFor(() => videoProducer.Ssrc != 0 && videoProducer.Receiver.PacketsReceived > 30, TimeSpan.FromSeconds(10),
                () => $"video packets {videoProducer.Receiver.PacketsReceived}");
            long keyFramesBefore = videoProducer.KeyFrames;
            router.CreateConsumer(subscriber, audioProducer, new ConsumerOptions("c-mic", AudioOut));
            router.CreateConsumer(subscriber, videoProducer, new ConsumerOptions("c-cam", VideoOut));

            int[] stats = [];
            var by = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (DateTime.UtcNow < by)
            {
                stats = await tab.EvaluateAsync<int[]>(InboundStatsScript);
                if (stats[0] > 50 && stats[2] > 10) break;
                await Task.Delay(200);
            }
            var c = router.Counters;
            output.WriteLine($"subscriber inbound: audio packets {stats[0]}, video packets {stats[1]}, frames decoded {stats[2]}, width {stats[3]}; "
                + $"router received {c.ReceivedPackets} forwarded {c.ForwardedPackets} rtcp {c.RtcpSent} PLI {c.KeyFrameRequestsSent} "
                + $"throttled {c.KeyFrameRequestsThrottled} drops {c.Drops.Total}; video ssrc bound {videoProducer.Ssrc:X8}, key frames {videoProducer.KeyFrames}");
            Assert.True(stats[0] > 50, "audio packets received by the subscriber");
            Assert.True(stats[2] > 10, "video frames decoded by the subscriber");
            Assert.Equal(640, stats[3]);
            Assert.NotEqual(0u, videoProducer.Ssrc);
            Assert.True(c.KeyFrameRequestsSent >= 1);
            Assert.True(videoProducer.KeyFrames > keyFramesBefore, "a key frame after the PLI");
            Assert.True(c.RtcpSent > 0);
            await context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }

    private static (MediaTransport Media, WebRtcTransport WebRtc) CreateTransport(UdpEndpoint endpoint, Router router, SessionDescription offer,
        MediaDescription first, string id, RtpHeaderExtensionIds extensions)
    {
        SdpFingerprint fingerprint = offer.FingerprintFor(first)!;
        var listener = new RouterTransportListener();
        WebRtcTransport transport = endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Server,
            RemoteFingerprint = new CertificateFingerprint(fingerprint.HashFunction.ToLowerInvariant(), fingerprint.Value),
            RemoteIceUfrag = offer.IceUfragFor(first),
            RemoteIcePassword = offer.IcePwdFor(first),
            Listener = listener,
        });
        var media = router.CreateTransport(id, new WebRtcTransportSender(transport), extensions);
        listener.Media = media;
        return (media, transport);
    }

    /// <summary>ICE-lite, passive answer by hand (RFC 8829 §5.3 shape); sendonly sections announce an SSRC (RFC 5576).</summary>
    private static string BuildAnswer(WebRtcTransport transport, int port, SessionDescription offer, string direction, int opus, int vp8, int midId, (uint Audio, uint Video)? ssrcs)
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
            Line(string.Create(CultureInfo.InvariantCulture, $"m={kind} {port} UDP/TLS/RTP/SAVPF {pt}"));
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
            }
            if (ssrcs is { } pair)
            {
                uint ssrc = kind == "audio" ? pair.Audio : pair.Video;
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} cname:sfu"));
                Line(string.Create(CultureInfo.InvariantCulture, $"a=ssrc:{ssrc} msid:sfu {kind}-track"));
            }
            foreach (var candidate in transport.LocalCandidates)
            {
                Line("a=" + candidate.ToSdpValue());
            }
            Line("a=end-of-candidates");
        }
        return sdp.ToString();
    }

    private static async Task WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> diagnose)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Timed out: " + diagnose());
            await Task.Delay(50);
        }
    }

    /// <summary>Serves an empty page on 127.0.0.1 (a secure context, so getUserMedia works).</summary>
    private sealed class PageServer : IDisposable
    {
        private readonly HttpListener _listener = new();

        private PageServer(int port)
        {
            Url = $"http://127.0.0.1:{port}/";
            _listener.Prefixes.Add(Url);
        }

        public string Url { get; }

        public static PageServer Start()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var server = new PageServer(port);
            server._listener.Start();
            _ = server.ServeAsync();
            return server;
        }

        private async Task ServeAsync()
        {
            byte[] body = "<!doctype html><html><head><title>dwr sfu routing interop</title></head><body></body></html>"u8.ToArray();
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
