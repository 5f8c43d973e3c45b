using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Issue 16 (livestream to 1,500 subscribers): a packet is copied, rewritten and protected in the sending thread's
/// scratch buffer, not in one per subscriber, so a fan-out writes one buffer that stays in the core's cache instead of
/// 1,500 buffers of 2 KB that do not fit it; each subscriber's own packet is still complete when it is sent.
/// </summary>
public sealed class SendScratchTests
{
    [Fact]
    public void FanOutOnOneThread_WritesEverySubscribersPacketThroughOneBuffer()
    {
        var (router, _, pool) = NewRouter(Quiet);
        var publisher = router.CreateTransport("pub", new CountingSender());
        var microphone = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1234, [Opus]));
        var senders = new List<AddressRecordingSender>();
        for (int i = 0; i < 50; i++)
        {
            var sender = new AddressRecordingSender();
            senders.Add(sender);
            var subscriber = router.CreateTransport($"sub{i}", sender);
            router.CreateConsumer(subscriber, microphone, new ConsumerOptions($"c{i}", 1000u + (uint)i));
        }
        byte[] payload = new byte[80];
        for (ushort seq = 0; seq < 3; seq++)
        {
            Deliver(router, publisher, Rtp(pool, 0x1234, seq, seq * 960u, 111, payload));
            DrainAll(router);
        }

        // Each subscriber got its own packets (its SSRC, sequence numbers in order) at the moment they were sent...
        for (int i = 0; i < senders.Count; i++)
        {
            Assert.Equal(Enumerable.Repeat(1000u + (uint)i, 3), senders[i].Ssrcs);
            Assert.Equal(3, senders[i].Sequences.Distinct().Count());
        }
        // ...written in one buffer: this thread's, the same for every subscriber (one per subscriber before).
        var addresses = senders.SelectMany(s => s.Addresses).Distinct().ToList();
        Assert.Single(addresses);
        Assert.Equal(SendScratch.Current.Length, senders.SelectMany(s => s.BufferLengths).Distinct().Single());
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void EachThreadHasItsOwnBuffer()
    {
        byte[] mine = SendScratch.Current;
        byte[]? other = null;
        var thread = new Thread(() => other = SendScratch.Current);
        thread.Start();
        thread.Join();
        Assert.Same(mine, SendScratch.Current);
        Assert.NotNull(other);
        Assert.NotSame(mine, other);
        Assert.Equal(TransportSender.ScratchLength, other!.Length);
    }

    private sealed class AddressRecordingSender : IRtpPacketSender
    {
        public List<nint> Addresses { get; } = [];
        public List<int> BufferLengths { get; } = [];
        public List<uint> Ssrcs { get; } = [];
        public List<ushort> Sequences { get; } = [];

        public unsafe bool TrySendRtp(Span<byte> buffer, int length)
        {
            // The scratch buffer is on the pinned heap: its address identifies it.
            Addresses.Add((nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(buffer)));
            BufferLengths.Add(buffer.Length);
            Ssrcs.Add(BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]));
            Sequences.Add(BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
            return true;
        }

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }
}
