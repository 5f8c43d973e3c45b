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
        await using var page = new LoopbackPageServer(LoopbackPageServer.BlankPage);
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        await using var router = new Router("interop-recovery", endpoint.Pool, TimeProvider.System, new RouterOptions
        {
            KeyFrameRequestMinInterval = TimeSpan.FromSeconds(60),
            KeyFrameCacheMaxDuration = TimeSpan.FromSeconds(5),
        });
        await using var chromium = await Chromium.LaunchAsync();
        var tab = await Chromium.OpenPageAsync(chromium.Browser, page.Url);

        var (_, pubVideo, publisher, pubWebRtc, _, opus, vp8, pubRtx) = await PublishAsync(tab, endpoint, router, rtx: true);
        var videoProducer = router.CreateProducer(publisher, new ProducerOptions("cam", MediaKind.Video, 0,
            [new RtpCodec((byte)vp8, "video/VP8", 90000)]) { Mid = pubVideo.Mid, RtxPayloadTypes = [((byte)pubRtx, (byte)vp8)] });

        var (subOffer, subAudio, subVideo) = await OfferAsync(tab, SubscribeScript);
        Assert.Equal(vp8, subVideo.FindCodec("VP8")!.PayloadType);
        int subRtx = subVideo.FindRtxFor(vp8)!.Value;
        const uint AudioOut = 0x11112222, VideoOut = 0x33334444, VideoRtxOut = 0x55556666;
        DroppingSender? lossy = null;
        var (subscriber, subWebRtc) = CreateTransport(endpoint, router, subOffer, subAudio, "subscriber", default,
            inner => lossy = new DroppingSender(inner, VideoOut, 25));
        string subAnswer = BuildAnswer(subWebRtc, endpoint.Port, subOffer, "sendonly", opus, vp8, midId: 0, ssrcs: (AudioOut, VideoOut), rtx: subRtx, rtxSsrc: VideoRtxOut);
        await AnswerAsync(tab, "sub", subAnswer);

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
        InboundRtp stats = InboundRtp.None;
        while (clock.Elapsed < TimeSpan.FromSeconds(6))
        {
            stats = (await Chromium.InboundRtpAsync(tab, "sub")).Video;
            if (stats.FramesDecoded > 0 && firstFrame == TimeSpan.Zero) firstFrame = clock.Elapsed;
            if (firstFrame != TimeSpan.Zero && clock.Elapsed > firstFrame + TimeSpan.FromSeconds(3)) break;
            await Task.Delay(25);
        }
        var c = router.Counters;
        output.WriteLine($"first frame decoded after {firstFrame.TotalMilliseconds:F0} ms (cache held {cached} packets); "
            + $"subscriber: packets {stats.PacketsReceived}, frames decoded {stats.FramesDecoded}, nackCount {stats.NackCount}, lost {stats.PacketsLost}, freezes {stats.FreezeCount}; "
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
        Assert.True(stats.FramesDecoded > 30, "video keeps decoding despite the drops");
        await tab.Context.CloseAsync();
    }
}
