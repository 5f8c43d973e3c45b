using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Tcp;

/// <summary>
/// An active ICE-TCP peer (RFC 6544 tcptype active) for tests: one TCP connection to the server's passive port, a
/// controlling check with USE-CANDIDATE, then a DTLS client and SRTP on the same connection, framed per RFC 4571.
/// It also writes raw bytes for the hostile-input tests.
/// </summary>
internal sealed class IceTcpTestClient : IIceSocket, IWebRtcTransportListener, IDisposable
{
    private readonly Socket _socket;
    private readonly TransportDirectory _directory;
    private readonly Rfc4571FrameReader _reader = new(1500, 8192);
    private readonly TcpFrameWriter _writer;
    private readonly SocketAddress _serverAddress;
    private readonly TransportTuple _serverTuple;
    private readonly byte[] _serverPassword;
    private readonly byte[] _username;
    private readonly byte[] _transactionId = new byte[12];
    private readonly IWebRtcTransportListener _listener;
    private readonly TaskCompletionSource<WebRtcTransportState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IceTcpTestClient(IPEndPoint server, WebRtcTransport serverTransport, IWebRtcTransportListener listener, IPAddress? bind = null)
    {
        _listener = listener;
        _socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (bind is not null)
        {
            _socket.Bind(new IPEndPoint(bind, 0));
        }
        _socket.Connect(server);
        _socket.Blocking = false;
        _writer = new TcpFrameWriter(_socket, 1 << 20);
        _directory = new TransportDirectory(new UdpEndpointOptions { Certificate = TestEnvironment.ClientCertificate, PoolMaxRetained = 64 });
        Transport = _directory.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Client,
            RemoteFingerprint = serverTransport.Directory.Certificate.Fingerprint,
            RemoteIceUfrag = serverTransport.LocalIceCredentials.Ufrag,
            RemoteIcePassword = serverTransport.LocalIceCredentials.Password,
            Listener = this,
        });
        _serverAddress = server.Serialize();
        _serverTuple = TransportTuple.From(server) with { IsTcp = true };
        _serverPassword = Encoding.ASCII.GetBytes(serverTransport.LocalIceCredentials.Password);
        _username = Encoding.ASCII.GetBytes(serverTransport.LocalIceCredentials.Ufrag + ":" + Transport.LocalIceCredentials.Ufrag);
        _ = ReceiveLoopAsync();
    }

    public WebRtcTransport Transport { get; }

    public DropCounters Drops { get; } = new();

    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public Task<WebRtcTransportState> Settled => _settled.Task;

    /// <summary>STUN success responses received (consent answers too).</summary>
    public int StunResponses;

    /// <summary>Whether the server closed the connection.</summary>
    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Connects: sends a check every 50 ms until the server answers, then waits for DTLS.</summary>
    public async Task ConnectAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Volatile.Read(ref StunResponses) == 0)
        {
            SendCheck();
            await Task.Delay(50, cts.Token);
        }
        Assert.Equal(WebRtcTransportState.Connected, await Settled.WaitAsync(cts.Token));
    }

    /// <summary>A Binding request with USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE (RFC 8445 §7.2.2).</summary>
    public void SendCheck(byte[]? password = null)
    {
        Span<byte> buffer = stackalloc byte[256];
        RandomNumberGenerator.Fill(_transactionId);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, _transactionId);
        writer.AddUsername(_username);
        writer.AddPriority(HostCandidate.ComputePriority(90, 65535, 1));
        writer.AddIceControlling(42);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(password ?? _serverPassword);
        writer.AddFingerprint();
        _writer.TryWrite(writer.Written);
    }

    /// <summary>Raw bytes on the stream, no framing added.</summary>
    public void SendRaw(ReadOnlySpan<byte> bytes) => _socket.Send(bytes);

    public bool Send(ReadOnlySpan<byte> packet, SocketAddress remote) => _writer.TryWrite(packet);

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (true)
            {
                int received = await _socket.ReceiveAsync(_reader.Writable, SocketFlags.None);
                if (received == 0)
                {
                    break;
                }
                _reader.Advance(received);
                while (_reader.TryRead(out ReadOnlySpan<byte> frame) is var status && status != FrameStatus.NeedMore)
                {
                    if (status == FrameStatus.Frame)
                    {
                        OnFrame(frame);
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
        Closed.TrySetResult();
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        PooledPacket packet = _directory.Pool.Rent();
        frame.CopyTo(packet.Buffer);
        packet.Length = frame.Length;
        try
        {
            switch (PacketClassifier.Classify(packet.Span))
            {
                case PacketKind.Stun:
                    if (StunMessage.TryParse(packet.Span, out StunMessage message, out _)
                        && message.Class == StunMessageClass.SuccessResponse && message.VerifyMessageIntegrity(_serverPassword))
                    {
                        Interlocked.Increment(ref StunResponses);
                        Transport.OnIceCheck(_serverTuple, _serverAddress, nominated: true, this);
                    }
                    break;
                case PacketKind.Dtls:
                    Transport.OnDtlsDatagram(packet, _serverTuple, Drops);
                    break;
                case PacketKind.Rtp:
                    Transport.OnSrtpDatagram(packet);
                    break;
            }
        }
        finally
        {
            packet.Release();
        }
    }

    void IWebRtcTransportListener.OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
        if (state >= WebRtcTransportState.Connected)
        {
            _settled.TrySetResult(state);
        }
        _listener.OnStateChanged(transport, state);
    }

    void IWebRtcTransportListener.OnRtp(WebRtcTransport transport, PooledPacket packet) => _listener.OnRtp(transport, packet);

    void IWebRtcTransportListener.OnRtcp(WebRtcTransport transport, PooledPacket packet) => _listener.OnRtcp(transport, packet);

    public void Dispose()
    {
        _directory.Dispose();
        _writer.Close();
        _socket.Dispose();
    }
}
