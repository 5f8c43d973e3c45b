using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using Xunit.Abstractions;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Issue 16 item 4 (RSS per additional subscriber, goal 150 KB): what the media path allocates for one more
/// listener of a microphone — its transport (sender, queue, pacer, bandwidth estimation, reports) and its audio
/// consumer (stream, retransmission buffer, rewriter) — counted exactly as bytes allocated on this thread while K of
/// them are created, then a few packets forwarded to each (what sizes itself on first use, e.g. the pacer, counts),
/// and the bytes still live after a full collection (what RSS holds; alone, so no other test's garbage counts).
/// Listeners negotiate the header extensions a browser does (mid, audio level, transport-wide sequence), as in the
/// real server: what a transport allocates for an extension counts.
/// </summary>
[Collection(nameof(FootprintCollection))]
public sealed class SubscriberFootprintTests(ITestOutputHelper output)
{
    private const int Listeners = 200;

    /// <summary>
    /// Measured before the cuts: 464,080 B live per listener — the send-side estimator's 8,192-packet history
    /// (256 KB) and feedback scratch (64 KB), two 4,096-sample rate windows (96 KB), the pacer (14 KB) and a
    /// 512-packet retransmission buffer (16 KB), all allocated up front. After (history and rate windows sized by the
    /// send rate, scratch per thread, pacer on first use, audio buffer of 64): 12,405 B; with the send path's 2 KB
    /// packet scratch per thread too (SendScratch), 10,623 B. The bound holds the cut.
    /// </summary>
    private const int MaxBytesPerListener = 16 * 1024;

    /// <summary>What a browser's answer negotiates (Chromium's ids).</summary>
    private static readonly RtpHeaderExtensionIds BrowserExtensions = new(Mid: 9, AudioLevel: 1, TransportWideSequenceNumber: 3);

    [Fact]
    public void OneMoreAudioListener_AllocatesLittleInTheMediaPath()
    {
        var (router, _, pool) = NewRouter(Quiet);
        var publisher = router.CreateTransport("pub", new CountingSender());
        var microphone = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1234, [Opus]));
        var payload = new byte[80];
        ushort seq = 0;
        var listeners = new List<MediaTransport>();

        void AddListeners(int count, int offset)
        {
            for (int i = 0; i < count; i++)
            {
                var subscriber = router.CreateTransport($"sub{offset + i}", new CountingSender(), BrowserExtensions);
                listeners.Add(subscriber);
                router.CreateConsumer(subscriber, microphone, new ConsumerOptions($"c{offset + i}", 1000u + (uint)(offset + i)));
            }
            for (int n = 0; n < 5; n++)
            {
                Deliver(router, publisher, Rtp(pool, 0x1234, seq, seq * 960u, 111, payload));
                seq++;
                DrainAll(router);
            }
        }

        AddListeners(10, 0); // warm-up: first use of every type, the router's arrays
        long live = GC.GetTotalMemory(forceFullCollection: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        AddListeners(Listeners, 10);
        long allocated = (GC.GetAllocatedBytesForCurrentThread() - before) / Listeners;
        long retained = (GC.GetTotalMemory(forceFullCollection: true) - live) / Listeners;
        output.WriteLine($"per additional audio listener: {retained} B live, {allocated} B allocated (transport + consumer + first packets; copy-on-write arrays included)");

        Assert.InRange(retained, 1, MaxBytesPerListener);
        // Measured before: 65,584 B more per listener — the transport-cc arrival buffers (2 × 2,048 arrivals) of a
        // transport that never sends media; they are allocated at its first arrival now.
        Assert.All(listeners, l => Assert.False(l.TransportWideCc!.Allocated));
        Assert.InRange(allocated, retained / 2, MaxBytesPerListener + 4096);
        GC.KeepAlive(router);
        AssertNoLeakAfterClose(router, pool);
    }
}

[CollectionDefinition(nameof(FootprintCollection), DisableParallelization = true)]
public sealed class FootprintCollection;
