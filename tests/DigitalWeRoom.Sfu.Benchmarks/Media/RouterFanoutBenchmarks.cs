using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Benchmarks.Media;

/// <summary>
/// One 1,000-byte VP8 RTP packet through Router.OnRtp → producer → N consumers → each subscriber's send-loop body
/// (copy into scratch, SSRC/seq/ts rewrite, hand to a sender that only counts). SRTP and the socket are excluded.
/// </summary>
[MemoryDiagnoser]
public class RouterFanoutBenchmarks
{
    private Router _router = null!;
    private PacketPool _pool = null!;
    private MediaTransport _publisher = null!;
    private MediaTransport[] _subscribers = [];
    private readonly byte[] _payload = new byte[1000];
    private ushort _seq;

    [Params(1, 10)]
    public int Consumers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = new PacketPool();
        _router = new Router("bench", _pool, TimeProvider.System, new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero });
        _publisher = _router.CreateTransport("pub", new NullSender());
        var producer = _router.CreateProducer(_publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [new RtpCodec(96, "video/VP8", 90000)]));
        _subscribers = new MediaTransport[Consumers];
        for (int i = 0; i < Consumers; i++)
        {
            _subscribers[i] = _router.CreateTransport($"sub{i}", new NullSender());
            _router.CreateConsumer(_subscribers[i], producer, new ConsumerOptions($"c{i}", 0x5000u + (uint)i));
        }
        _payload[0] = 0x10; // VP8 descriptor S=1
        _payload[1] = 0x00; // key frame first, so consumers start forwarding
        Fanout();
        _payload[1] = 0x01; // then delta frames
        _publisher.Outbound.DrainAvailable();
    }

    [GlobalCleanup]
    public void Cleanup() => _router.Dispose();

    [Benchmark]
    public void Fanout()
    {
        var packet = _pool.Rent();
        var b = packet.Buffer.AsSpan();
        b[0] = 0x80;
        b[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], _seq);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], _seq * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], 0x1234);
        _payload.CopyTo(b[12..]);
        packet.Length = 12 + _payload.Length;
        _seq++;
        _router.OnRtp(_publisher, packet);
        packet.Release();
        foreach (var subscriber in _subscribers)
        {
            subscriber.Outbound.DrainAvailable();
        }
    }

    private sealed class NullSender : IRtpPacketSender
    {
        private long _bytes;

        public bool TrySendRtp(Span<byte> buffer, int length)
        {
            _bytes += buffer[length - 1];
            return true;
        }

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }
}
