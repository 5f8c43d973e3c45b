using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Buffers;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// A router of its own on given send workers: one audio publisher (every packet is forwarded, no key-frame wait, so
/// counts are exact) and <c>subscribers</c> subscribers, each sending into an <see cref="OrderCheckingSender"/>.
/// </summary>
internal sealed class AudioFanOutRoom : IDisposable
{
    private readonly byte[] _payload = new byte[160];
    private readonly uint _ssrc;
    private readonly bool _ownsWorkers;
    private ushort _seq;

    /// <param name="ownsWorkers">Dispose <paramref name="workers"/> with the room.</param>
    public AudioFanOutRoom(SendWorkerPool workers, int subscribers, uint ssrc = 0x1234, bool ownsWorkers = false)
    {
        Workers = workers;
        _ssrc = ssrc;
        _ownsWorkers = ownsWorkers;
        (Router, _, Pool) = NewRouter(Quiet with { InlineSend = true, SendWorkers = workers });
        Publisher = Router.CreateTransport("pub", new OrderCheckingSender());
        var producer = Router.CreateProducer(Publisher, new ProducerOptions("a", MediaKind.Audio, ssrc, [Opus]));
        Senders = new OrderCheckingSender[subscribers];
        Subscribers = new MediaTransport[subscribers];
        for (int i = 0; i < subscribers; i++)
        {
            Senders[i] = new OrderCheckingSender();
            Subscribers[i] = Router.CreateTransport($"sub{i}", Senders[i]);
            Router.CreateConsumer(Subscribers[i], producer, new ConsumerOptions($"c{i}", 100u + (uint)i));
        }
    }

    public SendWorkerPool Workers { get; }

    public Router Router { get; }

    public PacketPool Pool { get; }

    public MediaTransport Publisher { get; }

    public OrderCheckingSender[] Senders { get; }

    public MediaTransport[] Subscribers { get; }

    /// <summary>The subscribers a send worker sends (the others are sent inline: partition 0).</summary>
    public MediaTransport[] Pinned => Subscribers.Where(s => s.Outbound.Worker is not null).ToArray();

    /// <summary>Packets in as a receive loop hands them over; partition-0 queues drained as their send loops would.</summary>
    public void Send(int packets)
    {
        for (int n = 0; n < packets; n++)
        {
            Deliver(Router, Publisher, Rtp(Pool, _ssrc, _seq, _seq * 960u, 111, _payload));
            _seq++;
            foreach (var sub in Subscribers)
            {
                if (sub.Outbound.Worker is null) sub.Outbound.DrainAvailable();
            }
        }
    }

    public void Dispose()
    {
        Router.Dispose();
        if (_ownsWorkers)
        {
            Workers.Dispose();
        }
    }
}
