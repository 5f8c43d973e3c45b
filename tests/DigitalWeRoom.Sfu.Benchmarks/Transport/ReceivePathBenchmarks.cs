using System.Buffers.Binary;
using System.Net;
using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Benchmarks.Transport;

/// <summary>
/// The server's per-packet path without the socket receive: <see cref="UdpEndpoint.ProcessDatagram"/>
/// (classify, tuple lookup, SRTP unprotect in place, listener) and, with <see cref="Forward"/>, the
/// listener copying the packet, protecting it for the other direction and sending it with
/// <c>SendTo(SocketAddress)</c>. Each operation also protects the input with the client's context
/// (a fresh sequence number is needed to pass the replay window), so subtract <see cref="ProtectOnly"/>.
/// </summary>
[MemoryDiagnoser]
public class ReceivePathBenchmarks
{
    private UdpEndpoint _server = null!;
    private IceControllingClient _client = null!;
    private SrtpContext _clientSrtp = null!;
    private SocketAddress _from = null!;
    private ForwardingListener _listener = null!;
    private readonly byte[] _plain = new byte[1200];
    private readonly byte[] _wire = new byte[1200 + PooledPacket.Headroom];
    private ushort _sequence;

    [Params(false, true)]
    public bool Forward { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _server = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }).Start();
        DtlsCertificate clientCertificate = DtlsCertificate.Generate("bench-client");
        _listener = new ForwardingListener();
        WebRtcTransport transport = _server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = clientCertificate.Fingerprint,
            Listener = _listener,
        });
        _client = IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = transport.LocalIceCredentials.Ufrag,
            ServerPassword = transport.LocalIceCredentials.Password,
            ServerEndPoint = _server.LocalEndPoint,
            ServerFingerprint = _server.Certificate.Fingerprint,
            Listener = new DiscardingListener(),
            Certificate = clientCertificate,
        });
        if (!_client.Settled.Wait(TimeSpan.FromSeconds(30)) || _client.Settled.Result != WebRtcTransportState.Connected)
        {
            throw new InvalidOperationException("client did not connect");
        }
        SpinWait.SpinUntil(() => transport.State == WebRtcTransportState.Connected, TimeSpan.FromSeconds(10));
        _clientSrtp = _client.Transport.LocalSrtp!;
        _from = _client.Endpoint.LocalEndPoint.Serialize();
        _plain[0] = 0x80;
        _plain[1] = 96;
        BinaryPrimitives.WriteUInt32BigEndian(_plain.AsSpan(8), 0x1234_5678);
        Random.Shared.NextBytes(_plain.AsSpan(12));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int ProtectOnly() => ProtectNext();

    [Benchmark]
    public int ReceivePath()
    {
        _listener.Forward = Forward;
        int length = ProtectNext();
        PooledPacket packet = _server.Pool.Rent();
        _wire.AsSpan(0, length).CopyTo(packet.Buffer);
        packet.Length = length;
        _server.ProcessDatagram(packet, _from);
        packet.Release();
        return length;
    }

    private int ProtectNext()
    {
        BinaryPrimitives.WriteUInt16BigEndian(_plain.AsSpan(2), ++_sequence);
        BinaryPrimitives.WriteUInt32BigEndian(_plain.AsSpan(4), _sequence * 3000u);
        _plain.CopyTo(_wire, 0);
        _clientSrtp.TryProtectRtp(_wire, _plain.Length, out int length);
        return length;
    }

    private sealed class ForwardingListener : IWebRtcTransportListener
    {
        private readonly byte[] _scratch = new byte[PooledPacket.Capacity];

        public bool Forward { get; set; }

        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet)
        {
            if (Forward)
            {
                packet.Span.CopyTo(_scratch);
                transport.TrySendRtp(_scratch, packet.Length);
            }
        }

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
        {
        }
    }

    private sealed class DiscardingListener : IWebRtcTransportListener
    {
        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet)
        {
        }

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
        {
        }
    }
}
