using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Issue #4, key-frame cache with simulcast: three layers (q h f, one producer each) whose publisher makes key
/// frames only when the test says so (PLIs are never answered). A late simulcast consumer starts at once from the
/// cached key frame of the layer it will forward — the highest layer up to its target whose cache still runs with
/// the live stream — and the live packets of that layer continue it with gap-free seq, timestamps and VP8
/// PictureID/TL0PICIDX; the switch up to the target then happens on the target's key frame as usual.
/// </summary>
public sealed class SimulcastKeyFrameCacheTests
{
    private static readonly uint[] LayerSsrcs = [0x1000, 0x2000, 0x3000];
    private const uint OutputSsrc = 0xABCD;

    /// <summary>
    /// VP8 payload (RFC 7741 §4.2): X, S only on a frame's first packet, PID 0; I (15-bit PictureID), L (TL0PICIDX);
    /// payload header P bit = !key; then the source layer and its seq, so a test can tell where a packet came from.
    /// </summary>
    private static byte[] Vp8(bool start, bool keyFrame, ushort pictureId, byte tl0, int layer, ushort seq)
    {
        var p = new byte[40];
        p[0] = (byte)(0x80 | (start ? 0x10 : 0));
        p[1] = 0xC0;
        p[2] = (byte)(0x80 | (pictureId >> 8));
        p[3] = (byte)pictureId;
        p[4] = tl0;
        p[5] = (byte)(keyFrame ? 0x00 : 0x01);
        p[6] = (byte)layer;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(7), seq);
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
        public readonly ushort[] Seq = [100, 30_000, 65_500];
        public readonly uint[] Timestamps = [1_000, 2_000_000, uint.MaxValue - 50_000];
        public readonly ushort[] PictureIds = [10, 20_000, 32_700];
        public readonly byte[] Tl0 = [5, 100, 250];

        /// <summary>Seq of each layer's latest key-frame start.</summary>
        public readonly ushort[] LastKeyFrameSeq = new ushort[3];

        public Fixture()
        {
            // Key-frame requests throttled to one per 10 s per layer: the late consumer cannot count on a fresh one.
            (Router, Time, Pool) = NewRouter(Quiet with { KeyFrameRequestMinInterval = TimeSpan.FromSeconds(10) });
            Publisher = Router.CreateTransport("pub", PublisherSender);
            Subscriber = Router.CreateTransport("sub", TransportSender);
            Layers = CreateSimulcastLayers(Router, Publisher, LayerSsrcs);
        }

        public Consumer Consume(int preferred, bool paused = false) =>
            Router.CreateConsumer(Subscriber, Layers[0], new ConsumerOptions("c", OutputSsrc)
            {
                SimulcastLayers = Layers,
                PreferredLayer = preferred,
                Paused = paused,
            });

        /// <summary>One frame of <paramref name="layer"/>: a key frame is 3 packets, a delta frame 1.</summary>
        public void Frame(int layer, bool keyFrame)
        {
            int packets = keyFrame ? 3 : 1;
            if (keyFrame) LastKeyFrameSeq[layer] = Seq[layer];
            for (int k = 0; k < packets; k++)
            {
                ushort seq = Seq[layer]++;
                var payload = Vp8(k == 0, keyFrame, PictureIds[layer], Tl0[layer], layer, seq);
                Deliver(Router, Publisher, Rtp(Pool, LayerSsrcs[layer], seq, Timestamps[layer], 96, payload, marker: k == packets - 1));
            }
            Timestamps[layer] += 3000;
            PictureIds[layer] = (ushort)((PictureIds[layer] + 1) & 0x7FFF);
            Tl0[layer]++;
        }

        /// <summary>Every layer sends one frame (key frames on <paramref name="keyLayers"/>), then 33 ms pass.</summary>
        public void Tick(params int[] keyLayers)
        {
            for (int l = 0; l < 3; l++) Frame(l, keyLayers.Contains(l));
            Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        public void Ticks(int count)
        {
            for (int i = 0; i < count; i++) Tick();
        }

        public List<byte[]> Drain()
        {
            TransportSender.Rtp.Clear();
            Subscriber.Outbound.DrainAvailable();
            Publisher.Outbound.DrainAvailable();
            return [.. TransportSender.Rtp];
        }

        public int KeyFramesSent => PublisherSender.Plis().Count;
    }

    private static RtpPacketView View(byte[] rtp)
    {
        Assert.True(RtpPacketView.TryParse(rtp, out var view, out _));
        return view;
    }

    private static Vp8PayloadDescriptor Descriptor(byte[] rtp)
    {
        Assert.True(Vp8PayloadDescriptor.TryParse(View(rtp).Payload, out var d, out _));
        return d;
    }

    /// <summary>Source layer and source seq written into the payload by <see cref="Vp8"/> (after the 5-byte descriptor).</summary>
    private static (int Layer, ushort Seq) Source(byte[] rtp)
    {
        var payload = View(rtp).Payload;
        return (payload[6], BinaryPrimitives.ReadUInt16BigEndian(payload[7..]));
    }

    private static bool IsKeyFrameStart(byte[] rtp) => Descriptor(rtp).IsKeyFrame;

    /// <summary>Output seq +1 per packet; per frame (marker) timestamp, PictureID and TL0PICIDX +1 step.</summary>
    private static void AssertContinuous(List<byte[]> packets, uint minStep = 2900, uint maxStep = 3100)
    {
        for (int i = 1; i < packets.Count; i++)
        {
            var (prev, cur) = (packets[i - 1], packets[i]);
            Assert.Equal(OutputSsrc, Ssrc(cur));
            Assert.Equal((ushort)(Seq(prev) + 1), Seq(cur));
            var (dp, dc) = (Descriptor(prev), Descriptor(cur));
            if (View(prev).Marker)
            {
                Assert.InRange(Timestamp(cur) - Timestamp(prev), minStep, maxStep);
                Assert.Equal((ushort)((dp.PictureId + 1) & 0x7FFF), dc.PictureId);
                Assert.Equal((byte)(dp.Tl0PicIdx + 1), dc.Tl0PicIdx);
            }
            else
            {
                Assert.Equal(Timestamp(prev), Timestamp(cur));
                Assert.Equal(dp.PictureId, dc.PictureId);
            }
        }
    }

    [Fact]
    public void Late_consumer_starts_from_the_cached_key_frame_of_its_target_layer_and_live_packets_continue_it()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        f.Ticks(14); // 0.5 s: every layer's cache holds its key frame (3 packets) + 14 deltas, still growing
        int plisBefore = f.KeyFramesSent;

        var consumer = f.Consume(preferred: 2);
        f.Ticks(10);
        var sent = f.Drain();

        // The cached key frame of f comes first, then f's frames since, then the live frames: nothing of q or h.
        Assert.Equal(2, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(3 + 14 + 10, sent.Count);
        Assert.True(IsKeyFrameStart(sent[0]));
        Assert.Equal((2, f.LastKeyFrameSeq[2]), Source(sent[0]));
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal((2, (ushort)(f.LastKeyFrameSeq[2] + i)), Source(sent[i]));
        }
        AssertContinuous(sent);
        Assert.Equal(0, consumer.PacketsSkippedWaitingForKeyFrame);
        Assert.Equal(1, f.Router.Counters.KeyFrameCacheReplays);
        // Only the PLI every new consumer asks for went out; the picture did not wait for its answer.
        Assert.Equal(plisBefore + 1, f.KeyFramesSent);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void Target_below_the_top_starts_from_that_layers_cache_and_never_forwards_a_higher_layer()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        f.Ticks(5);
        var consumer = f.Consume(preferred: 1);
        f.Ticks(5);
        var sent = f.Drain();

        Assert.Equal(1, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(3 + 5 + 5, sent.Count);
        Assert.All(sent, p => Assert.Equal(1, Source(p).Layer));
        Assert.Equal(f.LastKeyFrameSeq[1], Source(sent[0]).Seq);
        AssertContinuous(sent);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void A_live_lower_layer_cache_is_preferred_to_a_stale_target_cache_and_the_switch_up_comes_on_the_targets_key_frame()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        f.Ticks(74);  // 2.5 s: every cache was cut at 1.5 s after its key frame
        f.Tick(1);    // h alone makes a new key frame (a PLI from someone else)
        f.Ticks(9);
        var consumer = f.Consume(preferred: 2);
        f.Ticks(5);
        var first = f.Drain();

        // Started on h's live cache: its key frame + 9 deltas, then h live.
        Assert.Equal(1, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(3 + 9 + 5, first.Count);
        Assert.Equal((1, f.LastKeyFrameSeq[1]), Source(first[0]));
        Assert.All(first, p => Assert.Equal(1, Source(p).Layer));

        // The target's key frame arrives: the switch up continues seq/ts/picture id.
        f.Tick(2);
        f.Ticks(3);
        var second = f.Drain();
        Assert.Equal(2, consumer.Simulcast.CurrentLayer);
        // h's frame of that tick (sent before f's) still goes, then f from its key frame.
        Assert.Equal(1 + 3 + 3, second.Count);
        Assert.Equal(1, Source(second[0]).Layer);
        Assert.Equal((2, f.LastKeyFrameSeq[2]), Source(second[1]));
        AssertContinuous([.. first, second[0]]);
        AssertContinuous(second[1..]);
        // At the switch (same capture instant as h's last frame) seq and PictureID run on, the timestamp moves ahead.
        Assert.Equal((ushort)(Seq(second[0]) + 1), Seq(second[1]));
        Assert.Equal((ushort)((Descriptor(second[0]).PictureId + 1) & 0x7FFF), Descriptor(second[1]).PictureId);
        Assert.True((int)(Timestamp(second[1]) - Timestamp(second[0])) > 0);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void Only_stale_caches_send_the_key_frame_of_the_highest_layer_then_the_next_key_frame_resumes_without_a_seq_gap()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        f.Ticks(89); // 3 s: all caches cut at 1.5 s (key frame + 45 delta frames)
        var consumer = f.Consume(preferred: 2);
        f.Ticks(3);
        var first = f.Drain();

        // f's cached key frame only (the live stream does not continue the run), then nothing until a key frame.
        Assert.Equal(3, first.Count);
        Assert.All(first, p => Assert.Equal(2, Source(p).Layer));
        Assert.True(IsKeyFrameStart(first[0]));
        Assert.Equal(-1, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(1, f.Router.Counters.KeyFrameCacheReplays);

        f.Tick(0); // q's key frame comes first: started on it (the selector's start rule)
        f.Ticks(2);
        var second = f.Drain();
        Assert.Equal(0, consumer.Simulcast.CurrentLayer);
        Assert.Equal((0, f.LastKeyFrameSeq[0]), Source(second[0]));
        Assert.Equal((ushort)(Seq(first[^1]) + 1), Seq(second[0]));
        AssertContinuous(first);
        AssertContinuous(second);
        // PictureID and TL0PICIDX run on across the jump back to live; the timestamp jumps by the time elapsed.
        Assert.Equal((ushort)((Descriptor(first[^1]).PictureId + 1) & 0x7FFF), Descriptor(second[0]).PictureId);
        Assert.Equal((byte)(Descriptor(first[^1]).Tl0PicIdx + 1), Descriptor(second[0]).Tl0PicIdx);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void Resumed_consumer_restarts_from_the_cache_with_continuous_seq_and_picture_id()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        var consumer = f.Consume(preferred: 2);
        f.Ticks(5);
        consumer.Pause();
        f.Ticks(10);
        f.Tick(0, 1, 2);
        f.Ticks(3);
        consumer.Resume();
        f.Ticks(4);
        var sent = f.Drain();

        // 3 + 5 before the pause, then f's new cached key frame + 3 deltas, then 4 live.
        Assert.Equal(3 + 5 + 3 + 3 + 4, sent.Count);
        Assert.Equal((2, f.LastKeyFrameSeq[2]), Source(sent[8]));
        Assert.True(IsKeyFrameStart(sent[8]));
        for (int i = 1; i < sent.Count; i++) Assert.Equal((ushort)(Seq(sent[i - 1]) + 1), Seq(sent[i]));
        AssertContinuous(sent[..8]);
        AssertContinuous(sent[8..]);
        Assert.Equal((ushort)((Descriptor(sent[7]).PictureId + 1) & 0x7FFF), Descriptor(sent[8]).PictureId);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void A_late_key_frame_start_neither_switches_layers_nor_resets_the_cache()
    {
        var f = new Fixture();
        f.Tick(0, 1);
        f.Ticks(5);
        f.Tick(2); // f's key frame, whose first packet we replay late below
        byte[] fKeyStart = Vp8(true, true, (ushort)(f.PictureIds[2] - 1), (byte)(f.Tl0[2] - 1), 2, f.LastKeyFrameSeq[2]);
        f.Ticks(3);

        // A reordered / RTX-repaired copy of an old key-frame start of f: the rest of that frame has gone by.
        var consumer = f.Consume(preferred: 2);
        Deliver(f.Router, f.Publisher, Rtp(f.Pool, LayerSsrcs[2], f.LastKeyFrameSeq[2], f.Timestamps[2] - 4 * 3000, 96, fKeyStart));
        Assert.True(f.Layers[2].KeyFrameCache!.IsLive);
        Assert.Equal(3 + 3, f.Layers[2].KeyFrameCache!.Count);
        f.Ticks(2);
        var sent = f.Drain();

        Assert.Equal(2, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(3 + 3 + 2, sent.Count);
        Assert.Equal((2, f.LastKeyFrameSeq[2]), Source(sent[0]));
        AssertContinuous(sent);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }

    [Fact]
    public void A_key_frame_still_arriving_when_the_consumer_starts_is_replayed_once_complete()
    {
        var f = new Fixture();
        f.Tick(0, 1, 2);
        f.Ticks(60); // 2 s: caches cut
        // A new key frame of f is on its way (first packet in) when the consumer is made.
        ushort keySeq = f.Seq[2];
        Deliver(f.Router, f.Publisher, Rtp(f.Pool, LayerSsrcs[2], f.Seq[2]++, f.Timestamps[2], 96, Vp8(true, true, f.PictureIds[2], f.Tl0[2], 2, keySeq)));
        var consumer = f.Consume(preferred: 2);
        for (int k = 1; k < 3; k++)
        {
            f.Frame(1, false); // h's stale cache is not taken meanwhile: f's key frame is waited for
            ushort seq = f.Seq[2]++;
            Deliver(f.Router, f.Publisher, Rtp(f.Pool, LayerSsrcs[2], seq, f.Timestamps[2], 96, Vp8(false, true, f.PictureIds[2], f.Tl0[2], 2, seq), marker: k == 2));
        }
        f.Timestamps[2] += 3000;
        f.PictureIds[2]++;
        f.Tl0[2]++;
        f.Frame(0, false);
        f.Frame(1, false);
        f.Time.Advance(TimeSpan.FromMilliseconds(33));
        f.Ticks(3);
        var sent = f.Drain();

        Assert.Equal(2, consumer.Simulcast!.CurrentLayer);
        Assert.Equal(3 + 3, sent.Count);
        Assert.Equal((2, keySeq), Source(sent[0]));
        AssertContinuous(sent);
        AssertNoLeakAfterClose(f.Router, f.Pool);
    }
}
