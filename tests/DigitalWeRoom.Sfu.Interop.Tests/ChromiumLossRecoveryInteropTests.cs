using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Udp;
using Xunit.Abstractions;
using static DigitalWeRoom.Sfu.Interop.Tests.ChromiumSfuRoutingInteropTests;

namespace DigitalWeRoom.Sfu.Interop.Tests;

/// <summary>
/// Chromium → router → Chromium with the key-frame cache and NACK/RTX: the publisher's key-frame requests are held
/// back (throttle taken for 60 s), so a subscriber added mid-stream can only decode because the router sends it the
/// cached key frame; every 25th video packet to the subscriber is dropped before SRTP, so Chromium NACKs them and
/// the router answers with RTX (RFC 4588, negotiated in the answer). Loopback only.
/// </summary>
public sealed class ChromiumLossRecoveryInteropTests(ITestOutputHelper output)
{
    private const string StatsScript = """
        async () => {
          const r = [0, 0, 0, 0, 0];
          (await window.sub.getStats()).forEach(s => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') {
              r[0] = s.packetsReceived; r[1] = s.framesDecoded || 0; r[2] = s.nackCount || 0; r[3] = s.packetsLost || 0; r[4] = s.freezeCount || 0;
            }
          });
          return r;
        }
        """;

    /// <summary>Drops every <c>n</c>-th RTP packet of one SSRC before it is protected and sent (a lossy link).</summary>
    private sealed class DroppingSender(IRtpPacketSender inner, uint ssrc, int n) : IRtpPacketSender
    {
        private int _count;

        public int Dropped { get; private set; }

        public bool TrySendRtp(Span<byte> buffer, int length)
        {
            if (BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]) == ssrc && ++_count % n == 0)
            {
                Dropped++;
                return true;
            }
            return inner.TrySendRtp(buffer, length);
        }

        public bool TrySendRtcp(Span<byte> buffer, int length) => inner.TrySendRtcp(buffer, length);
    }

    [Fact]
    public async Task Late_subscriber_decodes_from_the_key_frame_cache_and_its_nacks_are_answered_with_rtx()
    {
        using var page = PageServer.Start();
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        await using var router = new Router("interop-recovery", endpoint.Pool, TimeProvider.System, new RouterOptions
        {
            KeyFrameRequestMinInterval = TimeSpan.FromSeconds(60),
            KeyFrameCacheMaxDuration = TimeSpan.FromSeconds(5),
        });
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            var context = await browser.NewContextAsync();
            var tab = await context.NewPageAsync();
            await tab.GotoAsync(page.Url);

            Assert.True(SdpParser.TryParse(await tab.EvaluateAsync<string>(PublishScript), out SessionDescription pubOffer, out var error), error.ToString());
            MediaDescription pubAudio = pubOffer.Media.Single(m => m.Kind == "audio");
            MediaDescription pubVideo = pubOffer.Media.Single(m => m.Kind == "video");
            int midId = pubVideo.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:mid")!.Value;
            var (publisher, pubWebRtc) = CreateTransport(endpoint, router, pubOffer, pubAudio, "publisher", new RtpHeaderExtensionIds(Mid: (byte)midId));
            int opus = pubAudio.FindCodec("opus")!.PayloadType;
            int vp8 = pubVideo.FindCodec("VP8")!.PayloadType;
            int pubRtx = pubVideo.FindRtxFor(vp8)!.Value;
            string pubAnswer = BuildAnswer(pubWebRtc, endpoint.Port, pubOffer, "recvonly", opus, vp8, midId, ssrcs: null, rtx: pubRtx);
            await tab.EvaluateAsync("async (sdp) => { await window.pub.setRemoteDescription({ type: 'answer', sdp }); }", pubAnswer);
            var videoProducer = router.CreateProducer(publisher, new ProducerOptions("cam", MediaKind.Video, 0,
                [new RtpCodec((byte)vp8, "video/VP8", 90000)]) { Mid = pubVideo.Mid, RtxPayloadTypes = [((byte)pubRtx, (byte)vp8)] });

            Assert.True(SdpParser.TryParse(await tab.EvaluateAsync<string>(SubscribeScript), out SessionDescription subOffer, out error), error.ToString());
            MediaDescription subAudio = subOffer.Media.Single(m => m.Kind == "audio");
            MediaDescription subVideo = subOffer.Media.Single(m => m.Kind == "video");
            Assert.Equal(vp8, subVideo.FindCodec("VP8")!.PayloadType);
            int subRtx = subVideo.FindRtxFor(vp8)!.Value;
            const uint AudioOut = 0x11112222, VideoOut = 0x33334444, VideoRtxOut = 0x55556666;
            DroppingSender? lossy = null;
            var (subscriber, subWebRtc) = CreateTransport(endpoint, router, subOffer, subAudio, "subscriber", default,
                inner => lossy = new DroppingSender(inner, VideoOut, 25));
            string subAnswer = BuildAnswer(subWebRtc, endpoint.Port, subOffer, "sendonly", opus, vp8, midId: 0, ssrcs: (AudioOut, VideoOut), rtx: subRtx, rtxSsrc: VideoRtxOut);
            await tab.EvaluateAsync("async (sdp) => { await window.sub.setRemoteDescription({ type: 'answer', sdp }); }", subAnswer);

            await WaitFor(() => pubWebRtc.State == WebRtcTransportState.Connected && subWebRtc.State == WebRtcTransportState.Connected,
                TimeSpan.FromSeconds(10), () => $"publisher {pubWebRtc.State} subscriber {subWebRtc.State}");
            await WaitFor(() => videoProducer.KeyFrameCache!.HasKeyFrame && videoProducer.Receiver.PacketsReceived > 20, TimeSpan.FromSeconds(10),
                () => $"video packets {videoProducer.Receiver.PacketsReceived}, cached {videoProducer.KeyFrameCache!.Count}");
            // Hold back every key-frame request: only the cache can give the subscriber a picture now.
            Assert.True(videoProducer.KeyFrameThrottle.TryAcquire(router.Time.GetTimestamp()));
            long keyFramesBefore = videoProducer.KeyFrames;
            int cached = videoProducer.KeyFrameCache!.Count;

            var clock = Stopwatch.StartNew();
            router.CreateConsumer(subscriber, videoProducer, new ConsumerOptions("c-cam", VideoOut)
            {
                RtxSsrc = VideoRtxOut,
                RtxPayloadTypes = [((byte)vp8, (byte)subRtx)],
            });
            TimeSpan firstFrame = TimeSpan.Zero;
            int[] stats = [];
            while (clock.Elapsed < TimeSpan.FromSeconds(6))
            {
                stats = await tab.EvaluateAsync<int[]>(StatsScript);
                if (stats[1] > 0 && firstFrame == TimeSpan.Zero) firstFrame = clock.Elapsed;
                if (firstFrame != TimeSpan.Zero && clock.Elapsed > firstFrame + TimeSpan.FromSeconds(3)) break;
                await Task.Delay(25);
            }
            var c = router.Counters;
            output.WriteLine($"first frame decoded after {firstFrame.TotalMilliseconds:F0} ms (cache held {cached} packets); "
                + $"subscriber: packets {stats[0]}, frames decoded {stats[1]}, nackCount {stats[2]}, lost {stats[3]}, freezes {stats[4]}; "
                + $"router: dropped on purpose {lossy!.Dropped}, NACKs received {c.NacksReceived}, retransmitted {c.RetransmittedPackets}, "
                + $"missed {c.RetransmissionsMissed}, NACKs sent to publisher {c.NacksSent}, RTX repaired {c.RtxPacketsRepaired}, "
                + $"cache replays {c.KeyFrameCacheReplays}, PLI sent {c.KeyFrameRequestsSent} throttled {c.KeyFrameRequestsThrottled}, "
                + $"publisher key frames {keyFramesBefore} → {videoProducer.KeyFrames}");
            Assert.True(firstFrame > TimeSpan.Zero, "the subscriber decoded a frame");
            // 91-98 ms alone, 556-592 ms beside another Chromium test class on the loaded 2-core machine; without the
            // cache it would be never (key-frame requests are held back for 60 s).
            Assert.True(firstFrame < TimeSpan.FromSeconds(2.5), $"first frame after {firstFrame.TotalMilliseconds:F0} ms");
            Assert.Equal(1, c.KeyFrameCacheReplays);
            Assert.True(c.NacksReceived > 0, "Chromium NACKed the dropped packets");
            Assert.True(c.RetransmittedPackets > 0, "the router retransmitted");
            Assert.True(stats[1] > 30, "video keeps decoding despite the drops");
            await context.CloseAsync();
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}
