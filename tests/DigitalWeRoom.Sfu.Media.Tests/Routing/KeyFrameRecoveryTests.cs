using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// A send worker that falls behind (a CPU-starved machine) drops the oldest items of a subscriber's inbox: here the
/// first packets of a key frame, which the subscriber then cannot decode nor NACK back (they were never sent, so the
/// retransmission buffer does not hold them). Its PLI (RFC 4585 §6.3.1) must reach the publisher through the
/// producer's throttle, also when the throttle refuses it at first (sent once the interval has passed), and the next
/// key frame must reach the subscriber whole, with forwarding going on after it: the tile recovers within a second.
/// </summary>
public sealed class KeyFrameRecoveryTests
{
    private const uint PubSsrc = 0x5151;
    private const uint OutSsrc = 0xBEEF;
    private const int InboxBudget = 8;
    private const uint FrameTicks = 3000; // 90 kHz, 30 fps

    private sealed class Room : IDisposable
    {
        public readonly Router Router;
        public readonly FakeTimeProvider Time;
        public readonly PacketPool Pool;
        public readonly SendWorkerPool Workers;
        public readonly CapturingSender PublisherSender = new();
        public readonly MediaTransport Publisher;
        public readonly CapturingSender SubscriberSender = new();
        public readonly MediaTransport Subscriber;
        public readonly Consumer Consumer;
        private readonly List<MediaTransport> _transports = [];
        private ushort _seq = 65_000; // wraps during the test
        private uint _timestamp = 7_000;
        private ushort _pictureId = 100;

        public Room()
        {
            Time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 23, 0, 0, TimeSpan.Zero));
            Workers = new SendWorkerPool(new SendWorkerOptions
            {
                Workers = 2, StartThreads = false, TransportQueueCapacity = InboxBudget, NewcomerPeriod = TimeSpan.Zero, TimeProvider = Time,
            });
            Pool = new PacketPool();
            Router = new Router("room", Pool, Time, Quiet with { InlineSend = true, SendWorkers = Workers, KeyFrameRequestMinInterval = TimeSpan.FromMilliseconds(500) });
            Publisher = Router.CreateTransport("pub", PublisherSender);
            _transports.Add(Publisher);
            var producer = Router.CreateProducer(Publisher, new ProducerOptions("v", MediaKind.Video, PubSsrc, [Vp8]));
            // The subscriber under test is one a send worker sends for (partition 1): its inbox is the one that overflows.
            MediaTransport? pinned = null;
            for (int i = 0; pinned is null; i++)
            {
                var sender = i == 0 ? SubscriberSender : new CapturingSender();
                var candidate = Router.CreateTransport($"sub{i}", sender);
                _transports.Add(candidate);
                if (candidate.Outbound.Worker is not null)
                {
                    pinned = candidate;
                    SubscriberSender = sender;
                }
            }
            Subscriber = pinned;
            Consumer = Router.CreateConsumer(Subscriber, producer, new ConsumerOptions("c", OutSsrc));
        }

        /// <summary>One VP8 frame of <paramref name="packets"/> packets (a key frame or not), 33 ms after the last.</summary>
        public void Frame(bool key, int packets = 1)
        {
            for (int k = 0; k < packets; k++)
            {
                var payload = KeyFrameCacheTests.Vp8(start: k == 0, key, _pictureId, size: 80);
                Deliver(Router, Publisher, Rtp(Pool, PubSsrc, _seq++, _timestamp, 96, payload, marker: k == packets - 1));
            }
            _timestamp += FrameTicks;
            _pictureId = (ushort)((_pictureId + 1) & 0x7FFF);
            Time.Advance(TimeSpan.FromMilliseconds(33));
        }

        /// <summary>Every queue sent, as the worker and the receive loops would when they get the CPU again.</summary>
        public void Drain()
        {
            while (Workers.Workers.Sum(w => w.DrainChunkOnce()) > 0)
            {
            }
            foreach (var t in _transports)
            {
                if (t.Outbound.Worker is null) t.Outbound.DrainAvailable();
            }
        }

        public void SubscriberRtcp(byte[] rtcp) => DeliverRtcp(Router, Subscriber, Pool, rtcp);

        public int PlisToPublisher => PublisherSender.Plis().Count(p => p.Media == PubSsrc);

        public void Dispose()
        {
            Router.Dispose();
            Workers.Dispose();
        }
    }

    /// <summary>The first packet of a VP8 key frame (S bit of the descriptor, P bit of the payload header clear).</summary>
    private static bool IsKeyFrameStart(byte[] rtp) => (rtp[12] & 0x10) != 0 && (rtp[16] & 0x01) == 0;

    [Fact]
    public void A_key_frame_lost_in_a_full_send_inbox_is_recovered_by_the_subscribers_pli()
    {
        using var room = new Room();
        room.Frame(key: true, packets: 3);
        for (int i = 0; i < 5; i++) room.Frame(key: false);
        room.Drain();
        Assert.Equal(8, room.SubscriberSender.Rtp.Count);
        Assert.True(IsKeyFrameStart(room.SubscriberSender.Rtp[0]));
        ushort lastSent = Seq(room.SubscriberSender.Rtp[^1]);

        // The worker is starved while a 12-packet key frame and 3 delta frames arrive: the inbox keeps its newest 8.
        room.SubscriberSender.Rtp.Clear();
        room.Frame(key: true, packets: 12);
        for (int i = 0; i < 3; i++) room.Frame(key: false);
        room.Drain();
        Assert.Equal(InboxBudget, room.SubscriberSender.Rtp.Count);
        Assert.Equal(15 - InboxBudget, room.Subscriber.Outbound.QueueOverflows);
        Assert.DoesNotContain(room.SubscriberSender.Rtp, IsKeyFrameStart);
        Assert.Equal((ushort)(lastSent + 1 + 15 - InboxBudget), Seq(room.SubscriberSender.Rtp[0])); // the gap the browser sees

        // The browser cannot decode past the gap (its NACKs go unanswered) and asks for a key frame; a second PLI right
        // after is throttled, not lost.
        room.Time.Advance(TimeSpan.FromMilliseconds(300));
        int plisBefore = room.PlisToPublisher;
        room.SubscriberRtcp(Pli(sender: 0x7777, media: OutSsrc));
        room.Drain();
        Assert.Equal(plisBefore + 1, room.PlisToPublisher);
        room.SubscriberRtcp(Pli(sender: 0x7777, media: OutSsrc));
        room.Drain();
        Assert.Equal(plisBefore + 1, room.PlisToPublisher);
        room.Time.Advance(TimeSpan.FromMilliseconds(500));
        room.Drain();
        Assert.Equal(plisBefore + 2, room.PlisToPublisher);

        // The publisher's key frame and the frames after it reach the subscriber whole and in sequence.
        room.SubscriberSender.Rtp.Clear();
        room.Frame(key: true, packets: 4);
        room.Drain();
        for (int i = 0; i < 30; i++)
        {
            room.Frame(key: false);
            room.Drain();
        }
        var got = room.SubscriberSender.Rtp;
        Assert.Equal(34, got.Count);
        Assert.True(IsKeyFrameStart(got[0]));
        for (int i = 1; i < got.Count; i++)
        {
            Assert.Equal((ushort)(Seq(got[0]) + i), Seq(got[i]));
        }
        Assert.Equal(15 - InboxBudget, room.Router.Counters.Drops.Get(DropReason.QueueOverflow));
        Assert.Equal(8 + 15 + 34, room.Consumer.PacketsEnqueued);
    }
}
