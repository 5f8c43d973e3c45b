using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>What a controlling client needs from the server's SDP answer.</summary>
public sealed class IceControllingClientOptions
{
    public required string ServerUfrag { get; init; }

    public required string ServerPassword { get; init; }

    /// <summary>The server's host candidate address and port.</summary>
    public required IPEndPoint ServerEndPoint { get; init; }

    public required CertificateFingerprint ServerFingerprint { get; init; }

    public required IWebRtcTransportListener Listener { get; init; }

    /// <summary>Local address to bind; default the loopback of the server's family.</summary>
    public IPAddress? BindAddress { get; init; }

    /// <summary>Our certificate; default the per-process one.</summary>
    public DtlsCertificate? Certificate { get; init; }

    /// <summary>Retransmission interval of checks before the first success (RFC 8445 §14.3 Ta-like pacing).</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Whether checks carry USE-CANDIDATE (default). False: checks as a regular-nominating agent sends them before it
    /// nominates a pair (RFC 8445 §8.1.1), e.g. Chromium while it still compares its pairs.
    /// </summary>
    public bool UseCandidate { get; init; } = true;

    /// <summary>Consent refresh interval once connected (RFC 7675 §5.1: about every 5 s, randomized).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Without an answered check this long the client fails its transport (RFC 7675 §5.1: 30 s). A load generator's
    /// sink, which never reads its socket, keeps sending checks (so the server's consent stays fresh) but cannot see
    /// the answers: it sets this beyond the run.
    /// </summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Kernel receive/send buffer of the client's socket (bytes; 0: the OS default). Large by default so a load
    /// generator's clients ride out scheduling stalls without kernel drops (capped by net.core.rmem_max).
    /// </summary>
    public int SocketBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Nice of the client's DTLS handshake thread (<see cref="UdpEndpointOptions.DtlsHandshakeNice"/>; 0: process priority).</summary>
    public int DtlsHandshakeNice { get; init; } = ThreadNiceness.JoinWork;

    /// <summary>
    /// Whether the client's endpoint gets its own receive thread (default). False: the caller reads the socket
    /// (<see cref="UdpEndpoint.PrimarySocket"/>) and calls <see cref="UdpEndpoint.ProcessDatagram"/> itself, e.g. a load
    /// generator serving thousands of clients from a few threads.
    /// </summary>
    public bool ReceiveThread { get; init; } = true;
}

/// <summary>
/// A full ICE agent in the controlling role against an ICE-lite server, reduced to the one pair we
/// need (RFC 8445 §7.2): it sends Binding requests with USERNAME "server-ufrag:client-ufrag",
/// PRIORITY, ICE-CONTROLLING, USE-CANDIDATE (aggressive-style nomination on the only pair),
/// MESSAGE-INTEGRITY with the server password and FINGERPRINT, retransmits until an authenticated
/// success arrives, then runs the DTLS client and SRTP over its own UDP socket. Consent is refreshed
/// with further checks (RFC 7675). Used by our load generator and tests.
/// </summary>
public sealed class IceControllingClient : IStunResponseListener, IWebRtcTransportListener, IDisposable
{
    private readonly IceControllingClientOptions _options;
    private readonly UdpEndpoint _endpoint;
    private readonly SocketAddress _serverAddress;
    private byte[] _serverPassword;
    private byte[] _username;
    private readonly ulong _tieBreaker;
    private readonly byte[] _transactionId = new byte[StunConstants.TransactionIdLength];

    /// <summary>
    /// The last <see cref="RecentChecks"/> consent checks' transaction ids (ring; lock _sendLock). A response to any of
    /// them renews consent (RFC 7675 §5.1 asks for a valid response, not one to the latest check): a server that answers
    /// a check after the next one went out (seconds behind under load) still shows it is alive, as libwebrtc accepts.
    /// </summary>
    private readonly byte[] _recent = new byte[RecentChecks * StunConstants.TransactionIdLength];
    private int _recentNext;
    private int _recentFilled;
    private long _consentResponses;

    /// <summary>Outstanding consent checks whose responses still count (4 s apart: about the 30 s consent timeout).</summary>
    internal const int RecentChecks = 8;
    private readonly TaskCompletionSource<WebRtcTransportState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _sendLock = new();
    private ITimer? _timer;
    private volatile bool _succeeded;
    private bool _idChosen;

    private IceControllingClient(IceControllingClientOptions options)
    {
        _options = options;
        IPAddress bind = options.BindAddress
            ?? (options.ServerEndPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
        _endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = bind,
            Port = 0,
            Certificate = options.Certificate,
            TimeProvider = options.TimeProvider,
            ConsentTimeout = options.ConsentTimeout,
            PoolMaxRetained = 64,
            SocketBufferSize = options.SocketBufferSize,
            DtlsHandshakeNice = options.DtlsHandshakeNice,
        });
        _endpoint.Ice.ResponseListener = this;
        Transport = _endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Client,
            RemoteFingerprint = options.ServerFingerprint,
            RemoteIceUfrag = options.ServerUfrag,
            RemoteIcePassword = options.ServerPassword,
            Listener = this,
            // A subscriber gets one SSRC per stream it receives from the server: 59 microphones and the forwarded
            // cameras in a meeting of 60, past the default cap sized for one publisher.
            MaxReceivedSsrcs = Srtp.SrtpStreamTable.MaxSentStreams,
        });
        _serverAddress = options.ServerEndPoint.Serialize();
        _serverPassword = Encoding.ASCII.GetBytes(options.ServerPassword);
        _username = Encoding.ASCII.GetBytes(options.ServerUfrag + ":" + Transport.LocalIceCredentials.Ufrag);
        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        _tieBreaker = BitConverter.ToUInt64(random);
    }

    public WebRtcTransport Transport { get; }

    public UdpEndpoint Endpoint => _endpoint;

    /// <summary>Authenticated success responses accepted so far (the first check's and every consent check's).</summary>
    public long ConsentResponses => Interlocked.Read(ref _consentResponses);

    /// <summary>Completes with Connected, or Failed/Closed if it never connected.</summary>
    public Task<WebRtcTransportState> Settled => _settled.Task;

    /// <summary>Binds a socket, starts receiving and checking.</summary>
    public static IceControllingClient Start(IceControllingClientOptions options)
    {
        var client = new IceControllingClient(options);
        if (options.ReceiveThread) client._endpoint.Start();
        client._timer = options.TimeProvider.CreateTimer(
            static state => ((IceControllingClient)state!).SendCheck(), client, TimeSpan.Zero, options.CheckInterval);
        return client;
    }

    public bool TrySendRtp(Span<byte> buffer, int length) => Transport.TrySendRtp(buffer, length);

    public bool TrySendRtcp(Span<byte> buffer, int length) => Transport.TrySendRtcp(buffer, length);

    public void Dispose()
    {
        _timer?.Dispose();
        _endpoint.Dispose();
        _settled.TrySetResult(Transport.State);
    }

    /// <summary>
    /// ICE restart with the server's new credentials (from its new offer): new client credentials (RFC 8445 §9),
    /// checks start again at once and nominate whatever address the socket now has (see <see cref="UdpEndpoint.MoveTo"/>).
    /// </summary>
    public void RestartIce(string serverUfrag, string serverPassword)
    {
        var fresh = IceCredentials.Generate();
        Transport.BeginIceRestart(fresh);
        lock (_sendLock)
        {
            _serverPassword = Encoding.ASCII.GetBytes(serverPassword);
            _username = Encoding.ASCII.GetBytes(serverUfrag + ":" + fresh.Ufrag);
            _succeeded = false;
            _idChosen = false;
            // Answers to checks of the old credentials no longer count.
            _recentFilled = 0;
        }
        _timer?.Change(TimeSpan.Zero, _options.CheckInterval);
    }

    /// <summary>Stops at once without a goodbye (no more checks, no close_notify), as a killed process would.</summary>
    public void Vanish()
    {
        _timer?.Dispose();
        _endpoint.Abandon();
        _settled.TrySetResult(Transport.State);
    }

    /// <summary>RFC 8445 §7.2.4: a success response authenticated with the server's password.</summary>
    void IStunResponseListener.OnStunResponse(in StunMessage message, in TransportTuple from, SocketAddress fromAddress)
    {
        bool ours;
        lock (_sendLock)
        {
            ours = IsRecentTransaction(message.TransactionId);
        }
        if (!ours || !TransportTuple.TryFrom(_serverAddress, out TransportTuple server) || from != server)
        {
            _endpoint.Drops.Increment(DropReason.StunNotStun);
            return;
        }
        if (!message.VerifyMessageIntegrity(_serverPassword))
        {
            _endpoint.Drops.Increment(DropReason.StunBadMessageIntegrity);
            return;
        }
        if (message.Class != StunMessageClass.SuccessResponse)
        {
            // 487 would ask us to switch roles; a lite server never does that legitimately.
            _endpoint.Drops.Increment(DropReason.StunRoleConflict);
            return;
        }
        Transport.OnIceCheck(from, fromAddress, nominated: true, _endpoint);
        if (!_succeeded)
        {
            _succeeded = true;
            _timer?.Change(_options.ConsentInterval, _options.ConsentInterval);
        }
        // Last: once counted, the response has been fully applied (tests wait on it).
        Interlocked.Increment(ref _consentResponses);
    }

    void IWebRtcTransportListener.OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
        if (state >= WebRtcTransportState.Connected)
        {
            _settled.TrySetResult(state);
        }
        if (state >= WebRtcTransportState.Failed)
        {
            _timer?.Dispose();
        }
        _options.Listener.OnStateChanged(transport, state);
    }

    void IWebRtcTransportListener.OnRtp(WebRtcTransport transport, PooledPacket packet) => _options.Listener.OnRtp(transport, packet);

    void IWebRtcTransportListener.OnRtcp(WebRtcTransport transport, PooledPacket packet) => _options.Listener.OnRtcp(transport, packet);

    /// <summary>Whether <paramref name="id"/> is one of the recent checks' transaction ids (caller holds _sendLock).</summary>
    private bool IsRecentTransaction(ReadOnlySpan<byte> id)
    {
        for (int back = 1; back <= _recentFilled; back++)
        {
            int i = (_recentNext - back + RecentChecks) % RecentChecks;
            if (id.SequenceEqual(_recent.AsSpan(i * StunConstants.TransactionIdLength, StunConstants.TransactionIdLength)))
            {
                return true;
            }
        }
        return false;
    }

    private void SendCheck()
    {
        if (Transport.State >= WebRtcTransportState.Failed)
        {
            return;
        }
        Span<byte> buffer = stackalloc byte[256];
        lock (_sendLock)
        {
            // Retransmissions before the first success keep one transaction id (RFC 8489 §6.2.1), so a
            // slow response still matches; each later consent check is a new transaction.
            if (_succeeded || !_idChosen)
            {
                RandomNumberGenerator.Fill(_transactionId);
                _idChosen = true;
                _transactionId.CopyTo(_recent.AsSpan(_recentNext * StunConstants.TransactionIdLength));
                _recentNext = (_recentNext + 1) % RecentChecks;
                _recentFilled = Math.Min(_recentFilled + 1, RecentChecks);
            }
            var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, _transactionId);
            writer.AddUsername(_username);
            writer.AddPriority(HostCandidate.ComputePriority(110, 65535, 1));
            writer.AddIceControlling(_tieBreaker);
            if (_options.UseCandidate)
            {
                writer.AddUseCandidate();
            }
            writer.AddMessageIntegrity(_serverPassword);
            writer.AddFingerprint();
            _endpoint.SendTo(writer.Written, _serverAddress);
        }
    }
}
