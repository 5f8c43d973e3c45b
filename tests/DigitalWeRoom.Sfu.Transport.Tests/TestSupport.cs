using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests;

/// <summary>Records what a transport hands upward (copies bytes when <see cref="Record"/>).</summary>
internal sealed class RecordingListener : IWebRtcTransportListener
{
    private readonly TaskCompletionSource<WebRtcTransportState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _rtp;
    private long _rtcp;

    public bool Record { get; set; } = true;

    public ConcurrentQueue<byte[]> Rtp { get; } = new();

    public ConcurrentQueue<byte[]> Rtcp { get; } = new();

    public ConcurrentQueue<WebRtcTransportState> States { get; } = new();

    public long RtpCount => Interlocked.Read(ref _rtp);

    public long RtcpCount => Interlocked.Read(ref _rtcp);

    /// <summary>Completes at Connected, Failed or Closed.</summary>
    public Task<WebRtcTransportState> Settled => _settled.Task;

    public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
        States.Enqueue(state);
        if (state >= WebRtcTransportState.Connected)
        {
            _settled.TrySetResult(state);
        }
    }

    public void OnRtp(WebRtcTransport transport, PooledPacket packet)
    {
        Interlocked.Increment(ref _rtp);
        if (Record)
        {
            Rtp.Enqueue(packet.Span.ToArray());
        }
    }

    public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
    {
        Interlocked.Increment(ref _rtcp);
        if (Record)
        {
            Rtcp.Enqueue(packet.Span.ToArray());
        }
    }
}

internal static class TestPackets
{
    /// <summary>An RTP packet (RFC 3550 §5.1): V=2, PT 96 or 111, then a deterministic payload.</summary>
    public static byte[] Rtp(uint ssrc, ushort sequence, int payloadLength, int seed)
    {
        var packet = new byte[12 + payloadLength];
        packet[0] = 0x80;
        packet[1] = (byte)(seed % 2 == 0 ? 96 : 111);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)(sequence * 3000));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(8), ssrc);
        new Random(seed).NextBytes(packet.AsSpan(12));
        return packet;
    }

    /// <summary>An RTCP APP packet (RFC 3550 §6.7, PT 204) carrying a deterministic payload.</summary>
    public static byte[] RtcpApp(uint ssrc, int words, int seed)
    {
        var packet = new byte[12 + (words * 4)];
        packet[0] = 0x80;
        packet[1] = 204;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)((packet.Length / 4) - 1));
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), ssrc);
        "TEST"u8.CopyTo(packet.AsSpan(8));
        new Random(seed).NextBytes(packet.AsSpan(12));
        return packet;
    }

    /// <summary>Copies a plain packet into a buffer with SRTP room.</summary>
    public static byte[] WithHeadroom(byte[] plain)
    {
        var buffer = new byte[plain.Length + PooledPacket.Headroom];
        plain.CopyTo(buffer, 0);
        return buffer;
    }
}

internal static class TestEnvironment
{
    public static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("test-client");

    public static UdpEndpoint StartServer(IPAddress bind, TimeProvider? time = null, TimeSpan? handshakeTimeout = null) =>
        new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = bind,
            Port = 0,
            TimeProvider = time ?? TimeProvider.System,
            DtlsHandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(25),
        }).Start();

    public static IceControllingClient StartClient(UdpEndpoint server, WebRtcTransport serverTransport,
        IWebRtcTransportListener listener, CertificateFingerprint? serverFingerprint = null) =>
        IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = serverTransport.LocalIceCredentials.Ufrag,
            ServerPassword = serverTransport.LocalIceCredentials.Password,
            ServerEndPoint = server.LocalEndPoint,
            ServerFingerprint = serverFingerprint ?? server.Certificate.Fingerprint,
            Listener = listener,
            Certificate = ClientCertificate,
        });

    /// <summary>
    /// Creates a server transport on <paramref name="server"/> that reports to <paramref name="serverListener"/> and
    /// connects a client to it (ICE, DTLS, SRTP); returns once both sides are Connected.
    /// </summary>
    public static async Task<(WebRtcTransport Transport, IceControllingClient Client)> ConnectAsync(UdpEndpoint server, RecordingListener serverListener)
    {
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = ClientCertificate.Fingerprint,
            Listener = serverListener,
        });
        var client = StartClient(server, transport, new RecordingListener());
        try
        {
            Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(WebRtcTransportState.Connected, await serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return (transport, client);
    }

    /// <summary>Protects <paramref name="plain"/> (RTP, or RTCP when <paramref name="rtcp"/>) with <paramref name="srtp"/>: the bytes on the wire.</summary>
    public static byte[] Protect(SrtpContext srtp, byte[] plain, bool rtcp)
    {
        byte[] buffer = TestPackets.WithHeadroom(plain);
        int length;
        Assert.True(rtcp ? srtp.TryProtectRtcp(buffer, plain.Length, out length) : srtp.TryProtectRtp(buffer, plain.Length, out length));
        return buffer[..length];
    }

    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what, Func<string>? diagnose = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting for " + what + (diagnose is null ? "" : ": " + diagnose()));
            }
            await Task.Delay(10);
        }
    }

    public static SocketAddress LoopbackSocketAddress(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).Serialize();
}
