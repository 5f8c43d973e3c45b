using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Benchmarks.Transport;

/// <summary>
/// Issue #14, "Measure": what a forwarded packet costs on the way out over ICE-TCP against UDP, side by side in one
/// run. Everything before the socket (parse, fan-out, rewrite, SRTP protect) is the same code for both, so the
/// difference between the paths is here: a burst of <see cref="Burst"/> protected 1,200-byte packets, sent the way a
/// send loop sends them, inside one <see cref="EgressBatch"/> scope — UDP: copied into the batch and sent with one
/// <c>sendmmsg</c>; ICE-TCP: framed per RFC 4571 into the connection's buffer and sent with one <c>send</c>. The UDP
/// receiver is never read (the kernel drops what overflows, as for the load generator's sinks); the TCP peer is
/// drained by a thread, and each burst waits until the writer's buffer is empty, so no frame is dropped on the TCP
/// path (a drop would make it look cheaper). Results are per packet (<c>OperationsPerInvoke</c>).
/// </summary>
[MemoryDiagnoser]
public class EgressBenchmarks
{
    private const int Burst = 16;
    private readonly byte[] _packet = new byte[1200];
    private UdpEndpoint _udp = null!;
    private Socket _udpSink = null!;
    private SocketAddress _udpDestination = null!;
    private Socket _tcpServerSide = null!;
    private Socket _tcpPeer = null!;
    private TcpFrameWriter _tcp = null!;
    private Thread _drain = null!;
    private volatile bool _stop;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_packet);
        _packet[0] = 0x80;
        _udp = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        _udpSink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4096 };
        _udpSink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _udpDestination = _udpSink.LocalEndPoint!.Serialize();

        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _tcpPeer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _tcpPeer.Connect(listener.LocalEndPoint!);
        _tcpServerSide = listener.Accept();
        _tcpServerSide.NoDelay = true;
        _tcpServerSide.Blocking = false;
        _tcp = new TcpFrameWriter(_tcpServerSide, 1 << 20);
        _drain = new Thread(Drain) { IsBackground = true, Name = "tcp peer" };
        _drain.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop = true;
        Console.WriteLine($"// tcp frames sent {_tcp.FramesSent}, dropped {_tcp.FramesDropped}, send calls {_tcp.SendCalls}, drains {_tcp.Drains}; udp send errors {_udp.SendErrors}");
        _tcp.Close();
        _tcpServerSide.Dispose();
        _tcpPeer.Dispose();
        _udp.Dispose();
        _udpSink.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Burst)]
    public bool Udp()
    {
        bool sent = true;
        using (EgressBatch.Enter())
        {
            for (int i = 0; i < Burst; i++)
            {
                sent &= _udp.SendTo(_packet, _udpDestination);
            }
        }

        return sent;
    }

    [Benchmark(OperationsPerInvoke = Burst)]
    public bool IceTcp()
    {
        bool sent = true;
        using (EgressBatch.Enter())
        {
            for (int i = 0; i < Burst; i++)
            {
                sent &= _tcp.TryWrite(_packet);
            }
        }

        var spin = new SpinWait();
        while (_tcp.Buffered > 0)
        {
            spin.SpinOnce();
        }

        return sent;
    }

    private void Drain()
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (!_stop && _tcpPeer.Receive(buffer) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
