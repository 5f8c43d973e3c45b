using DigitalWeRoom.Sfu.Media.Routing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>An operator mute (Room API) pauses a producer: nothing of it reaches any subscriber until resumed.</summary>
public class OperatorMuteTests
{
    [Fact]
    public void Paused_producer_forwards_nothing_and_resumes_where_it_was()
    {
        var (router, time, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [Opus]));
        var other = router.CreateProducer(publisher, new ProducerOptions("b", MediaKind.Audio, 0x2222, [Opus]));
        var subscriber = new CapturingSender();
        var sub = router.CreateTransport("sub", subscriber);
        router.CreateConsumer(sub, audio, new ConsumerOptions("ca", 0xA001));
        router.CreateConsumer(sub, other, new ConsumerOptions("cb", 0xA002));

        ushort seq = 100;
        void SendBoth(int count)
        {
            for (int n = 0; n < count; n++, seq++)
            {
                Deliver(router, publisher, Rtp(pool, 0x1111, seq, seq * 960u, 111, new byte[40]));
                Deliver(router, publisher, Rtp(pool, 0x2222, seq, seq * 960u, 111, new byte[40]));
                time.Advance(TimeSpan.FromMilliseconds(20));
            }
            DrainAll(router);
        }

        SendBoth(5);
        Assert.Equal(5, subscriber.Rtp.Count(p => Ssrc(p) == 0xA001));

        audio.Paused = true;
        SendBoth(10);
        Assert.Equal(5, subscriber.Rtp.Count(p => Ssrc(p) == 0xA001)); // muted: not one more packet
        Assert.Equal(15, subscriber.Rtp.Count(p => Ssrc(p) == 0xA002)); // the other track is untouched

        audio.Paused = false;
        SendBoth(5);
        Assert.Equal(10, subscriber.Rtp.Count(p => Ssrc(p) == 0xA001));
        Assert.Equal(20, subscriber.Rtp.Count(p => Ssrc(p) == 0xA002));
        AssertNoLeakAfterClose(router, pool);
    }
}
