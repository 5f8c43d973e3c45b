using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

public sealed class SimulcastTests
{
    private static readonly uint[] LayerSsrcs = [0x1000, 0x2000, 0x3000];

    /// <summary>VP8 payload with X/I/L/T: 15-bit PictureID, TL0PICIDX, TID (RFC 7741 §4.2), then the payload header.</summary>
    internal static byte[] Vp8(bool keyFrame, ushort pictureId, byte tl0, int tid = 0, int size = 60)
    {
        var p = new byte[size];
        p[0] = 0x90; // X, S
        p[1] = 0xE0; // I, L, T
        p[2] = (byte)(0x80 | (pictureId >> 8));
        p[3] = (byte)pictureId;
        p[4] = tl0;
        p[5] = (byte)(tid << 6);
        p[6] = (byte)(keyFrame ? 0x00 : 0x01);
        return p;
    }

    private sealed class Fixture
    {
        public readonly Router Router;
        public readonly FakeTimeProvider Time;
        public readonly PacketPool Pool;
        public readonly CapturingSender PublisherSender = new();
        public readonly CapturingSender TransportSender = new();
        public readonly MediaTransport Publisher;
        public readonly MediaTransport Subscriber;
        public readonly Producer[] Layers;
        public readonly ushort[] Seq = [100, 30_000, 65_530];
        public readonly uint[] Timestamps = [1_000, 2_000_000, uint.MaxValue - 5_000];
        public readonly ushort[] PictureIds = [10, 20_000, 32_760];

        public Fixture(byte twccId = 0)
        {
            (Router, Time, Pool) = NewRouter(Quiet with { KeyFrameRequestMinInterval = TimeSpan.Zero });
            Publisher = Router.CreateTransport("pub", PublisherSender);
            Subscriber = Router.CreateTransport("sub", TransportSender, new RtpHeaderExtensionIds(TransportWideSequenceNumber: twccId));
            Layers = CreateSimulcastLayers(Router, Publisher, LayerSsrcs);
        }

        public Consumer Consume(string id, int preferred, uint outputSsrc = 0xABCD) =>
            Router.CreateConsumer(Subscriber, Layers[0], new ConsumerOptions(id, outputSsrc) { SimulcastLayers = Layers, PreferredLayer = preferred });

        /// <summary>One packet (a one-packet frame) of layer <paramref name="layer"/>; advances that layer's seq/ts/picture id.</summary>
        public void Send(int layer, bool keyFrame, int tid = 0, byte[]? extensions = null)
        {
            var payload = Vp8(keyFrame, PictureIds[layer], (byte)PictureIds[layer], tid);
            var packet = Rtp(Pool, LayerSsrcs[layer], Seq[layer], Timestamps[layer], 96, payload, marker: true, extensions ?? default);
            Deliver(Router, Publisher, packet);
            Seq[layer]++;
            Timestamps[layer] += 3000;
            PictureIds[layer] = (ushort)((PictureIds[layer] + 1) & 0x7FFF);
        }

        /// <summary>Every layer sends one frame, 33 ms apart.</summary>
        public void Frame(bool keyFrame = false, int keyLayer = -1)
        {
            for (int l = 0; l < 3; l++) Send(l, keyFrame || keyLayer == l);
            Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        public List<byte[]> Drain()
        {
            TransportSender.Rtp.Clear();
            Subscriber.Outbound.DrainAvailable();
            Publisher.Outbound.DrainAvailable();
            return [.. TransportSender.Rtp];
        }

        public List<uint> PliTargets()
        {
            Publisher.Outbound.DrainAvailable();
            return [.. PublisherSender.Plis().Select(p => p.Media)];
        }
    }

    private static ushort PictureId(byte[] rtp)
    {
        Assert.True(RtpPacketView.TryParse(rtp, out var view, out _));
        Assert.True(Vp8PayloadDescriptor.TryParse(view.Payload, out var d, out _));
        return d.PictureId;
    }

    private static byte Tl0(byte[] rtp)
    {
        Assert.True(RtpPacketView.TryParse(rtp, out var view, out _));
        Assert.True(Vp8PayloadDescriptor.TryParse(view.Payload, out var d, out _));
        return d.Tl0PicIdx;
    }

    private static void AssertContinuous(IReadOnlyList<byte[]> packets, uint minAdvance = 2900)
    {
        for (int i = 1; i < packets.Count; i++)
        {
            Assert.Equal((ushort)(Seq(packets[i - 1]) + 1), Seq(packets[i]));
            Assert.Equal((ushort)((PictureId(packets[i - 1]) + 1) & 0x7FFF), PictureId(packets[i]));
            Assert.Equal((byte)(Tl0(packets[i - 1]) + 1), Tl0(packets[i]));
            uint advance = Timestamp(packets[i]) - Timestamp(packets[i - 1]);
            Assert.InRange(advance, minAdvance, 3100u); // 33 ms at 90 kHz, across switches too
            Assert.Equal(0xABCDu, Ssrc(packets[i]));
        }
    }

    [Fact]
    public void A_layer_the_publisher_stops_sending_is_left_for_the_highest_layer_still_arriving_and_taken_back_when_it_returns()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 2);
        f.Frame(keyFrame: true);
        Assert.Equal(2, consumer.Simulcast!.CurrentLayer);
        var before = f.Drain();
        f.PublisherSender.Rtcp.Clear();

        // The browser drops its top encoding (its own uplink estimate fell): q and h keep coming, f is silent.
        for (int i = 0; i < 20; i++)
        {
            f.Send(0, keyFrame: false);
            f.Send(1, keyFrame: false);
            f.Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        Assert.Empty(f.Drain()); // not yet 1 s of silence: still waiting on f
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
        for (int i = 0; i < 20; i++)
        {
            f.Send(0, keyFrame: false);
            f.Send(1, keyFrame: false);
            f.Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        Assert.Contains(LayerSsrcs[1], f.PliTargets()); // f silent for > 1 s: h is the target now, its key frame asked for
        f.Send(1, keyFrame: true);
        f.Send(1, keyFrame: false);
        Assert.Equal(1, consumer.Simulcast.CurrentLayer);
        var fallback = f.Drain();
        Assert.Equal(2, fallback.Count);
        Assert.Equal((ushort)(Seq(before[^1]) + 1), Seq(fallback[0])); // one continuous stream for the browser
        Assert.Equal(2, consumer.Simulcast.TargetLayer); // still wanted: dynacast keeps asking the publisher for f

        // f comes back: its key frame is asked for and the switch up follows it.
        f.PublisherSender.Rtcp.Clear();
        f.Send(2, keyFrame: false);
        f.Send(1, keyFrame: false);
        Assert.Contains(LayerSsrcs[2], f.PliTargets());
        f.Send(2, keyFrame: true);
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
    }

    [Fact]
    public void Switches_only_on_a_key_frame_of_the_target_layer_with_continuous_seq_ts_and_picture_id()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 2);
        f.Drain();
        var forwarded = new List<byte[]>();

        f.Frame();                      // deltas: nothing yet (waiting for a key frame)
        Assert.Empty(f.Drain());
        Assert.Equal(-1, consumer.Simulcast!.CurrentLayer);
        f.Frame(keyLayer: 1);           // a key frame of a lower layer starts the video at once...
        Assert.Single(f.Drain());
        Assert.Equal(1, consumer.Simulcast.CurrentLayer);
        Assert.Contains(LayerSsrcs[2], f.PliTargets()); // ...while the target's key frame is asked for
        f.Frame(keyLayer: 0);           // a key frame of another non-target layer does not switch
        Assert.Single(f.Drain());
        Assert.Equal(1, consumer.Simulcast.CurrentLayer);

        f.Frame(keyLayer: 2);           // layer 1's delta, then layer 2's key frame: the switch up
        Assert.Equal(2, f.Drain().Count);
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
        f.Frame();
        forwarded.AddRange(f.Drain());
        Assert.Single(forwarded);

        // The page shrinks the tile: target becomes the 320x180 layer; layer 2 keeps flowing until layer 0's key frame.
        f.PublisherSender.Rtcp.Clear();
        consumer.SetPreferredSize(300, 170);
        Assert.Equal(0, consumer.Simulcast.TargetLayer);
        f.Frame();
        f.Frame(keyLayer: 1);
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
        Assert.Contains(LayerSsrcs[0], f.PliTargets());
        f.Frame(keyLayer: 0);
        Assert.Equal(0, consumer.Simulcast.CurrentLayer);
        f.Frame();
        var afterSwitch = f.Drain();
        Assert.Equal(4, afterSwitch.Count);
        forwarded.AddRange(afterSwitch);

        // Back up to the top layer (with wraparound of its seq, timestamp and 15-bit picture id on the way).
        AssertContinuous(forwarded);
        consumer.SetPreferredLayer(2);
        for (int i = 0; i < 8; i++) f.Frame(keyLayer: i == 3 ? 2 : -1);
        var up = f.Drain();
        // Frames 0-3 of layer 0 (the 4th sent just before layer 2's key frame in the same instant), then 4 + 1 of layer 2.
        Assert.Equal(9, up.Count);
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
        forwarded.AddRange(up);
        // The layer-2 key frame left at the same wall-clock instant as the last layer-0 frame: timestamp + 1.
        AssertContinuous(forwarded, minAdvance: 1);
        Assert.Equal(1u, Timestamp(up[4]) - Timestamp(up[3]));
        Assert.Equal(4, consumer.Simulcast.Switches); // start at 1, up to 2, down to 0, up to 2
    }

    [Fact]
    public void Layer_sizes_come_from_key_frames_and_a_silent_layer_is_sized_from_a_known_one()
    {
        var f = new Fixture(); // nominal 320x180, 640x360, 1280x720
        // Layer 0 sends a key frame of 640x360 (a 2560x1440 camera): layers 1 and 2 are taken as 1280x720 and 2560x1440.
        byte[] key = [0x90, 0x80, 0x80, 0x05, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01];
        Deliver(f.Router, f.Publisher, Rtp(f.Pool, LayerSsrcs[0], 1, 1000, 96, key, marker: true, default));
        Assert.True(f.Layers[0].HasFrameSize);
        Assert.Equal((640, 360), (f.Layers[0].Width, f.Layers[0].Height));
        Assert.False(f.Layers[1].HasFrameSize);
        Assert.Equal(0, Consumer.LayerForSize(f.Layers, 600, 300));
        Assert.Equal(1, Consumer.LayerForSize(f.Layers, 1000, 600)); // nominal 640x360 would have said layer 2
        Assert.Equal(2, Consumer.LayerForSize(f.Layers, 2000, 1000));
        Assert.Equal(2, Consumer.LayerForSize(f.Layers, 4000, 3000)); // larger than any: the top
    }

    [Fact]
    public void A_tile_reported_before_the_first_key_frame_is_judged_again_by_the_real_sizes()
    {
        var f = new Fixture(); // nominal 320x180, 640x360, 1280x720
        var sized = f.Consume("sized", preferred: 2);
        var unsized = f.Consume("unsized", preferred: 2, outputSsrc: 0xABCE);
        sized.SetPreferredSize(600, 300); // by the nominal sizes: layer 1
        Assert.Equal(1, sized.Simulcast!.PreferredLayer);

        // Layer 0's first key frame says 640x360 (a larger camera than assumed): that layer is big enough.
        byte[] key = [0x90, 0x80, 0x80, 0x05, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0x68, 0x01];
        Deliver(f.Router, f.Publisher, Rtp(f.Pool, LayerSsrcs[0], 1, 1000, 96, key, marker: true, default));
        Assert.Equal(0, sized.Simulcast.PreferredLayer);
        Assert.Equal(2, unsized.Simulcast!.PreferredLayer); // no tile reported: left alone
    }

    [Fact]
    public void Bandwidth_cap_lowers_the_target_below_the_preference()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 2);
        f.Frame(keyFrame: true);
        Assert.Equal(2, consumer.Simulcast!.CurrentLayer);
        consumer.Simulcast.BandwidthLayer = 1;
        f.Frame();
        f.Frame(keyLayer: 1);
        Assert.Equal(1, consumer.Simulcast.CurrentLayer);
        consumer.Simulcast.BandwidthLayer = -1; // nothing fits: stop forwarding video
        f.Drain();
        f.Frame(keyFrame: true);
        Assert.Empty(f.Drain());
    }

    [Fact]
    public void Temporal_layers_above_the_limit_are_dropped_without_sequence_gaps()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 0);
        consumer.Simulcast!.MaxTemporalLayer = 0;
        f.Send(0, keyFrame: true);
        for (int i = 0; i < 10; i++) f.Send(0, keyFrame: false, tid: i % 2);
        var sent = f.Drain();
        Assert.Equal(6, sent.Count);
        for (int i = 1; i < sent.Count; i++) Assert.Equal((ushort)(Seq(sent[i - 1]) + 1), Seq(sent[i]));
    }

    [Fact]
    public void Vp9_descriptor_layers_parse_for_svc_filtering()
    {
        // RFC 9628 §4.2 non-flexible: I=0 P=1 L=1 F=0 B=1 E=1; TID=2 U=0 SID=1 D=0; TL0PICIDX.
        byte[] payload = [0x6C, (2 << 5) | (1 << 1), 7, 0xAA];
        Assert.True(Vp9PayloadDescriptor.TryParse(payload, out var d, out _));
        Assert.Equal(2, d.TemporalLayerId);
        Assert.Equal(1, d.SpatialLayerId);
        var selector = new SimulcastLayerSelector([new Fixture().Layers[0]], 0) { MaxTemporalLayer = 1 };
        Assert.True(selector.DropForLayerLimits(DigitalWeRoom.Sfu.Media.Streams.CodecKind.Vp9, payload));
        selector.MaxTemporalLayer = 2;
        selector.MaxSpatialLayer = 0;
        Assert.True(selector.DropForLayerLimits(DigitalWeRoom.Sfu.Media.Streams.CodecKind.Vp9, payload));
        selector.MaxSpatialLayer = 1;
        Assert.False(selector.DropForLayerLimits(DigitalWeRoom.Sfu.Media.Streams.CodecKind.Vp9, payload));
        Assert.Equal(2, selector.SequenceAdjust);
    }

    private sealed class LayerRecorder : IProducerLayerListener
    {
        public readonly List<(string Producer, int Mask)> Calls = [];

        public void OnLayersNeeded(Producer producer, int mask) => Calls.Add((producer.Id, mask));
    }

    [Fact]
    public void Dynacast_mask_follows_preferences_pauses_and_closes()
    {
        var f = new Fixture();
        var recorder = new LayerRecorder();
        f.Router.Dynacast.Listener = recorder;
        var big = f.Consume("big", preferred: 2, outputSsrc: 1);
        var small = f.Consume("small", preferred: 0, outputSsrc: 2);
        Assert.Equal(0b101, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        small.SetPreferredLayer(1);
        Assert.Equal(0b110, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        big.Pause();
        Assert.Equal(0b010, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        big.Resume();
        f.Router.CloseConsumer(small);
        Assert.Equal(0b100, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        f.Router.CloseConsumer(big);
        Assert.Equal([("v0", 0b100), ("v0", 0b101), ("v0", 0b110), ("v0", 0b010), ("v0", 0b110), ("v0", 0b100), ("v0", 0)], recorder.Calls);
        Assert.Empty(f.Layers[2].Consumers.ToArray());
    }

    [Fact]
    public void While_the_wanted_layer_is_not_arriving_the_layers_below_it_stay_needed()
    {
        // A big tile wants f, but a 640x480 camera never encodes f and dynacast had paused h: without the layers
        // below f the subscriber would be left on q, or on h for the second a stray h key frame makes it look alive.
        var f = new Fixture();
        var recorder = new LayerRecorder();
        f.Router.Dynacast.Listener = recorder;
        var big = f.Consume("big", preferred: 2);
        Assert.Equal(0b100, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        Assert.False(big.Simulcast!.TargetSilent); // nothing judged yet

        f.Send(0, keyFrame: true);
        Assert.True(big.Simulcast.TargetSilent);
        Assert.Equal(0b111, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        Assert.Equal(0, big.Simulcast.CurrentLayer);

        f.Send(1, keyFrame: true); // h resumed: the subscriber moves up to it, f still missing
        Assert.Equal(1, big.Simulcast.CurrentLayer);
        Assert.Equal(0b111, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));

        f.Send(2, keyFrame: true); // f arrives: only f is needed again (dynacast turns h off after its delay)
        Assert.Equal(2, big.Simulcast.CurrentLayer);
        Assert.False(big.Simulcast.TargetSilent);
        Assert.Equal(0b100, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));

        for (int i = 0; i < 40; i++) // f stops (uplink short): after a second of silence q and h are needed again
        {
            f.Send(0, keyFrame: false);
            f.Send(1, keyFrame: false);
            f.Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        Assert.True(big.Simulcast.TargetSilent);
        Assert.Equal(0b111, f.Router.Dynacast.LayerMaskOf(f.Layers[0]));
        Assert.Equal([("v0", 0b100), ("v0", 0b111), ("v0", 0b100), ("v0", 0b111)], recorder.Calls);
    }

    [Fact]
    public void Subscriber_pli_goes_to_the_forwarded_layer()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 1);
        f.Frame(keyFrame: true);
        f.Drain();
        f.PublisherSender.Rtcp.Clear();
        var pli = new byte[12];
        PictureLossIndication.Write(pli, 0x55, 0xABCD);
        DeliverRtcp(f.Router, f.Subscriber, f.Pool, pli);
        f.Drain();
        Assert.Equal([LayerSsrcs[1]], f.PliTargets());
        Assert.Equal(1, consumer.Simulcast!.CurrentLayer);
    }

    [Fact]
    public void Twcc_sequence_is_stamped_in_place_and_feedback_reaches_the_estimator()
    {
        var f = new Fixture(twccId: 5);
        f.Consume("c", preferred: 0);
        var ext = OneByteExtensions((5, [0xEE, 0xEE]), (1, [0x77]));
        f.Send(0, keyFrame: true, extensions: ext);
        f.Send(0, keyFrame: false, extensions: ext);
        f.Send(0, keyFrame: false); // no extension element: not stamped
        var sent = f.Drain();
        Assert.Equal(3, sent.Count);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(RtpPacketView.TryParse(sent[i], out var view, out _));
            Assert.True(view.TryGetExtension(5, out var value));
            Assert.Equal(i + 1, BinaryPrimitives.ReadUInt16BigEndian(value));
            Assert.True(view.TryGetExtension(1, out var other));
            Assert.Equal(0x77, other[0]);
            Assert.Equal(sent[i].Length, 12 + ext.Length + 60);
        }
        Assert.Equal(2, f.Subscriber.Bandwidth.Stamped);
        Assert.Equal(1, f.Subscriber.Bandwidth.Unstamped);

        var rtcp = new byte[64];
        int length = TransportWideFeedback.Write(rtcp, 0x55, 0xABCD, 0, [new TwccArrival(1, 5_000_000), new TwccArrival(2, 5_001_000)], out _);
        DeliverRtcp(f.Router, f.Subscriber, f.Pool, rtcp.AsSpan(0, length));
        Assert.Equal(1, f.Subscriber.Bandwidth.Estimator.FeedbacksProcessed);

        var remb = new byte[64];
        int rembLength = ReceiverEstimatedMaxBitrate.Write(remb, 0x55, 200_000, [0xABCDu]);
        DeliverRtcp(f.Router, f.Subscriber, f.Pool, remb.AsSpan(0, rembLength));
        Assert.Equal(200_000, f.Subscriber.Bandwidth.Estimate);
    }

    [Fact]
    public void Low_estimate_allocates_the_lowest_layer()
    {
        var f = new Fixture();
        var consumer = f.Consume("c", preferred: 2);
        f.Frame(keyFrame: true); // a publisher that sends nothing is left out of the allocation
        f.Subscriber.Allocation.Allocate(300_000);
        Assert.Equal(0, consumer.Simulcast!.BandwidthLayer);
        f.Subscriber.Allocation.Allocate(5_000_000);
        Assert.Equal(2, consumer.Simulcast.BandwidthLayer);
    }

    [Fact]
    public void Simulcast_send_path_with_twcc_stamping_allocates_nothing_per_packet()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var publisher = router.CreateTransport("pub", new CountingSender());
        var layers = new Producer[3];
        for (int i = 0; i < 3; i++) layers[i] = router.CreateProducer(publisher, new ProducerOptions($"v{i}", MediaKind.Video, LayerSsrcs[i], [MediaTestKit.Vp8]));
        var sender = new CountingSender();
        var subscriber = router.CreateTransport("sub", sender, new RtpHeaderExtensionIds(TransportWideSequenceNumber: 5));
        var consumer = router.CreateConsumer(subscriber, layers[0], new ConsumerOptions("c", 0xABCD) { SimulcastLayers = layers, PreferredLayer = 2 });
        var ext = OneByteExtensions((5, [0, 0]));
        ushort seq = 0;
        var keyPayload = Vp8(true, 1, 1, size: 1000);
        var deltaPayload = Vp8(false, 1, 1, size: 1000);
        void Run(int frames)
        {
            for (int n = 0; n < frames; n++)
            {
                for (int l = 0; l < 3; l++)
                {
                    var payload = n % 50 == 0 ? keyPayload : deltaPayload;
                    var packet = Rtp(pool, LayerSsrcs[l], seq, seq * 3000u, 96, payload, marker: true, ext);
                    router.OnRtp(publisher, packet);
                    packet.Release();
                }
                seq++;
                if (n % 200 == 100) consumer.Simulcast!.BandwidthLayer = consumer.Simulcast.BandwidthLayer == 1 ? 2 : 1;
                subscriber.Outbound.DrainAvailable();
                publisher.Outbound.DrainAvailable(); // PLIs for the switches
                time.Advance(TimeSpan.FromMilliseconds(10));
            }
        }
        Run(2_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sender.RtpPackets > 11_000, $"{sender.RtpPackets}");
        Assert.True(consumer.Simulcast!.Switches > 40);
        Assert.True(subscriber.Bandwidth.Stamped >= sender.RtpPackets);
    }
}
