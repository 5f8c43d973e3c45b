using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// One peer's ICE + DTLS + SRTP in a shared <see cref="TransportDirectory"/> (the UDP port and the ICE-TCP port).
/// ICE validates tuples and selects one (RFC 8445 nomination, <see cref="CandidatePairs"/>; credentials across
/// restarts, <see cref="IceSessionCredentials"/>); DTLS-SRTP runs over the selected tuple (RFC 5764); SRTP and SRTCP
/// are unprotected in place on the receive thread (RFC 3711, RFC 7714, RFC 5761 demultiplexing) and handed to the
/// <see cref="IWebRtcTransportListener"/>; sends protect in place and go to the selected tuple through the socket it
/// was validated on.
/// </summary>
public sealed class WebRtcTransport : IDatagramSender, IDtlsSrtpListener, IRtpPacketSender
{
    private readonly TransportDirectory _endpoint;
    private IWebRtcTransportListener _listener;
    private readonly DtlsSrtpTransport _dtls;
    private readonly ConsentFreshness _consent;
    private readonly IceSessionCredentials _ice;
    // Mutable structs read on every packet: never readonly (a readonly field would be copied on each call).
    private CandidatePairs _pairs = new();
    private EarlySrtpPackets _early = new();
    // One thread at a time unprotects this peer's SRTP and hands it to the listener: see OnSrtpDatagram.
    private readonly Lock _receiveGate = new();
    private SrtpContext? _srtpLocal;
    private SrtpContext? _srtpRemote;
    private int _state;
    private long _rtpReceived;
    private long _rtcpReceived;
    private long _rtpSent;
    private long _rtcpSent;
    private readonly int _maxReceivedSsrcs;

    internal WebRtcTransport(TransportDirectory endpoint, WebRtcTransportOptions options)
    {
        _endpoint = endpoint;
        _listener = options.Listener ?? NoListener.Instance;
        _ice = new IceSessionCredentials(options.LocalIceCredentials ?? IceCredentials.Generate(), options.RemoteIceUfrag, options.RemoteIcePassword);
        RemoteFingerprint = options.RemoteFingerprint;
        DtlsRole = options.DtlsRole;
        _maxReceivedSsrcs = options.MaxReceivedSsrcs;
        _consent = new ConsentFreshness(endpoint.Options.TimeProvider, endpoint.Options.ConsentTimeout);
        _dtls = new DtlsSrtpTransport(options.DtlsRole, endpoint.Certificate, options.RemoteFingerprint, this, this,
            (int)endpoint.Options.DtlsHandshakeTimeout.TotalMilliseconds, endpoint.Options.DtlsHandshakeNice,
            openSsl: endpoint.Options.DtlsOpenSsl);
    }

    /// <summary>The nice its DTLS handshake thread ran at (<see cref="UdpEndpointOptions.DtlsHandshakeNice"/>; null before).</summary>
    internal int? DtlsHandshakeNice => _dtls.HandshakeNice;

    /// <summary>Our current ICE credentials (new ones after an ICE restart).</summary>
    public IceCredentials LocalIceCredentials => _ice.Local;

    public string? RemoteIceUfrag => _ice.RemoteUfrag;

    public string? RemoteIcePassword => _ice.RemotePassword;

    /// <summary>ICE restarts begun on this transport.</summary>
    public int IceRestarts => _ice.Restarts;

    /// <summary>The ICE credentials checks are authenticated with (<see cref="IceLiteAgent"/>, the directory).</summary>
    internal IceSessionCredentials IceSession => _ice;

    /// <summary>
    /// ICE restart (RFC 8445 §9): <paramref name="fresh"/> become our credentials and are registered on the port;
    /// the previous ones stay valid until the first check authenticated with the new ones (so a restart whose offer
    /// is lost costs nothing). DTLS and SRTP go on unchanged.
    /// </summary>
    public void BeginIceRestart(IceCredentials fresh)
    {
        _ice.BeginRestart(fresh, _endpoint, this);
        _pairs.MarkStale();
    }

    /// <summary>The peer's ice-ufrag/ice-pwd from its latest description; a change is its side of an ICE restart.</summary>
    public void SetRemoteIce(string ufrag, string password) => _ice.SetRemote(ufrag, password);

    /// <summary>
    /// Answers the checks that reached the port for our ufrag before this transport existed (<see cref="EarlyChecks"/>),
    /// as if they arrived now. The owner calls it once, when the listener is attached.
    /// </summary>
    public void ProcessEarlyChecks() =>
        _endpoint.EarlyChecks.Replay(_ice.Local.Ufrag, (datagram, remote, socket, tcp) => _endpoint.Ice.OnStun(datagram, remote, socket, tcp));

    public CertificateFingerprint RemoteFingerprint { get; }

    public DtlsRole DtlsRole { get; }

    /// <summary>Our a=fingerprint value, e.g. <c>sha-256 AB:CD:...</c>.</summary>
    public string LocalFingerprint => _endpoint.Certificate.Fingerprint.ToSdpValue();

    /// <summary>Host candidates of the shared port.</summary>
    public IReadOnlyList<HostCandidate> LocalCandidates => _endpoint.LocalCandidates;

    public WebRtcTransportState State => (WebRtcTransportState)Volatile.Read(ref _state);

    /// <summary>
    /// Who hears this transport's packets and state changes (receive, DTLS and consent threads). Set once by the
    /// owner right after creation, when the listener (the media side) needs this transport to exist first; until
    /// then packets are dropped, as before the first valid check.
    /// </summary>
    public IWebRtcTransportListener Listener
    {
        get => Volatile.Read(ref _listener);
        set => Volatile.Write(ref _listener, value);
    }

    /// <summary>The ICE-selected remote tuple, or null before the first valid check.</summary>
    public TransportTuple? SelectedTuple => _pairs.Selected?.Tuple;

    /// <summary>Whether the selected tuple is an ICE-TCP connection (RFC 6544) rather than the UDP port.</summary>
    public bool IsSelectedTcp => _pairs.Selected?.Tuple.IsTcp == true;

    /// <summary>Whether the peer has nominated the selected pair (USE-CANDIDATE), rather than it being provisional.</summary>
    internal bool IsSelectedNominated => _pairs.Selected?.Nominated == true;

    /// <summary>Negotiated SRTP profile once connected.</summary>
    public SrtpProtectionProfile? SrtpProfile { get; private set; }

    /// <summary>Negotiated DTLS cipher suite once connected.</summary>
    public int DtlsCipherSuite { get; private set; }

    /// <summary>The curve of the handshake's ECDHE once connected (an RFC 8422 NamedCurve: 23 is P-256), -1 before.</summary>
    public int DtlsNamedGroup { get; private set; } = -1;

    /// <summary>Why DTLS failed, if it did.</summary>
    public DtlsFailure DtlsFailure { get; private set; }

    /// <summary>Drops on this transport by reason (SRTP auth/replay, DTLS queue, not connected).</summary>
    public DropCounters Drops { get; } = new();

    public long RtpReceived => Interlocked.Read(ref _rtpReceived);

    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    public long RtpSent => Interlocked.Read(ref _rtpSent);

    public long RtcpSent => Interlocked.Read(ref _rtcpSent);

    /// <summary>When each step of this transport's connection first happened (diagnostics, docs/benchmarks.md).</summary>
    public TransportTimeline Timeline { get; } = new();

    /// <summary>The directory of transports this one lives in.</summary>
    internal TransportDirectory Directory => _endpoint;

    /// <summary>Our outbound SRTP context once connected (tests and benchmarks build packets with it).</summary>
    public SrtpContext? LocalSrtp => Volatile.Read(ref _srtpLocal);

    /// <summary>Closes DTLS (close_notify), forgets the tuples and ufrag. Idempotent.</summary>
    public void Close() => Terminate(WebRtcTransportState.Closed);

    /// <summary>
    /// Benchmarks only: keep the selected tuple but send to <paramref name="address"/> (a socket nobody reads, as the
    /// calibration forwarder's sinks are), so a loopback benchmark does not pay for waking the receiving client.
    /// </summary>
    public void RedirectSendsForBenchmark(SocketAddress address) => _pairs.Redirect(address);

    /// <summary>Consent timer: RFC 7675 §5.1, fail after the timeout without a valid check.</summary>
    internal void CheckConsent()
    {
        WebRtcTransportState state = State;
        if ((state == WebRtcTransportState.Checking || state == WebRtcTransportState.Connected) && _consent.IsExpired)
        {
            Terminate(WebRtcTransportState.Failed);
        }
    }

    /// <summary>
    /// ICE: a check (or, for a controlling client, a response) from <paramref name="tuple"/> was authenticated on
    /// <paramref name="socket"/>. Validates the tuple, updates the selection (<see cref="CandidatePairs"/>), renews
    /// consent and starts DTLS on the first one. False (nothing changed, nothing to answer) when another live transport
    /// owns the tuple (counted <see cref="DropReason.TupleOwnedByOther"/> on <paramref name="socket"/>) or this one is
    /// closing. Receive thread.
    /// </summary>
    internal bool OnIceCheck(in TransportTuple tuple, SocketAddress remote, bool nominated, IIceSocket socket, uint remotePriority = 0)
    {
        if (State >= WebRtcTransportState.Failed)
        {
            return false;
        }
        Timeline.OnCheck(_endpoint.Options.TimeProvider.GetTimestamp(), tuple.IsTcp, nominated);
        if (!_pairs.OnValidCheck(tuple, remote, socket, remotePriority, nominated, _endpoint.Options.TimeProvider, _endpoint, this))
        {
            socket.Drops.Increment(DropReason.TupleOwnedByOther);
            return false;
        }
        _consent.Refresh();
        if (State >= WebRtcTransportState.Failed)
        {
            // Terminated on another thread meanwhile: do not leave our tuples behind.
            _endpoint.RemoveTransport(this);
            return false;
        }
        if (Interlocked.CompareExchange(ref _state, (int)WebRtcTransportState.Checking, (int)WebRtcTransportState.New)
            == (int)WebRtcTransportState.New)
        {
            _listener.OnStateChanged(this, WebRtcTransportState.Checking);
            _dtls.Start();
        }
        return true;
    }

    /// <summary>Receive thread: a DTLS record from a validated tuple of ours.</summary>
    internal void OnDtlsDatagram(PooledPacket packet, in TransportTuple tuple, DropCounters socketDrops)
    {
        CandidatePair? path = _pairs.Selected;
        if (path is null)
        {
            socketDrops.Increment(DropReason.DtlsNotSelectedPair);
            return;
        }
        if (path.Tuple != tuple && !_pairs.TryFollowPeer(tuple, _endpoint.Options.TimeProvider))
        {
            // RFC 8445 §12.2: data is received on any valid pair, even after nomination (a Firefox that nominated
            // several pairs may settle on another one than ours); our own flights stay on the selected pair.
            Timeline.OnDtlsRecordOffPath();
        }
        // RFC 6347 §4.1: whole, well-formed records only reach BouncyCastle; anything else is dropped with its reason.
        if (!Protocols.Dtls.DtlsRecordReader.Validate(packet.Span, out _, out DropReason malformed))
        {
            Drops.Increment(malformed);
            return;
        }
        Timeline.OnDtlsRecord(_endpoint.Options.TimeProvider);
        if (!_dtls.TryEnqueue(packet))
        {
            Drops.Increment(DropReason.DtlsQueueFull);
        }
    }

    void IDatagramSender.SendDatagram(ReadOnlySpan<byte> datagram)
    {
        if (_pairs.Selected is { } path)
        {
            path.Socket.Send(datagram, path.Address);
        }
    }

    /// <summary>
    /// Protects RTP in place and sends it to the selected tuple. <paramref name="buffer"/> must have
    /// <see cref="SrtpContext.MaxOverhead"/> bytes of room after <paramref name="length"/>. One sender thread.
    /// </summary>
    public bool TrySendRtp(Span<byte> buffer, int length) => TrySend(buffer, length, rtcp: false, ref _rtpSent);

    /// <summary>Protects an RTCP compound packet in place (SRTCP) and sends it to the selected tuple.</summary>
    public bool TrySendRtcp(Span<byte> buffer, int length) => TrySend(buffer, length, rtcp: true, ref _rtcpSent);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool TrySend(Span<byte> buffer, int length, bool rtcp, ref long sent)
    {
        SrtpContext? srtp = Volatile.Read(ref _srtpLocal);
        CandidatePair? path = _pairs.Selected;
        if (srtp is null || path is null || !TryProtect(srtp, rtcp, buffer, length, out int protectedLength)
            || !path.Socket.Send(buffer[..protectedLength], path.Address))
        {
            return false;
        }
        if (Interlocked.Increment(ref sent) == 1 && !rtcp)
        {
            Timeline.OnFirstRtpOut(_endpoint.Options.TimeProvider);
        }
        return true;
    }

    private static bool TryProtect(SrtpContext srtp, bool rtcp, Span<byte> buffer, int length, out int protectedLength)
    {
        try
        {
            return rtcp ? srtp.TryProtectRtcp(buffer, length, out protectedLength) : srtp.TryProtectRtp(buffer, length, out protectedLength);
        }
        catch (ObjectDisposedException)
        {
            // Closed concurrently by another thread.
            protectedLength = 0;
            return false;
        }
    }

    /// <summary>A receive thread: SRTP or SRTCP (RFC 5761 demux), unprotected in place, one thread at a time.</summary>
    internal void OnSrtpDatagram(PooledPacket packet)
    {
        SrtpContext? srtp = Volatile.Read(ref _srtpRemote);
        if (srtp is null)
        {
            // Keys not derived yet on our side (EarlySrtpPackets), or not connected at all.
            if (State is not (WebRtcTransportState.Checking or WebRtcTransportState.Connected) || !_early.TryHold(packet))
            {
                Drops.Increment(DropReason.NotConnected);
            }
            return;
        }
        // Usually one receive loop reads all of a peer's datagrams (the port's steering keeps a remote tuple on one
        // socket), but a peer sending from two valid tuples (RFC 8445 §12.2: any valid pair; several candidates, UDP
        // and ICE-TCP) reaches two loops at once: the SRTP receive context (replay window, rollover counter, cipher
        // state, RFC 3711 §3.3) and the listener's per-stream state have one owner at a time. Uncontended: one
        // interlocked operation per datagram.
        try
        {
            lock (_receiveGate)
            {
                if (_early.Count > 0)
                {
                    DrainEarly(srtp);
                }
                Unprotect(srtp, packet);
            }
        }
        catch (ObjectDisposedException)
        {
            // The transport closed on another thread while this packet was in flight.
            Drops.Increment(DropReason.NotConnected);
        }
    }

    private void DrainEarly(SrtpContext srtp)
    {
        Span<PooledPacket?> held = new PooledPacket?[EarlySrtpPackets.Capacity];
        int count = _early.TakeAll(held);
        for (int i = 0; i < count; i++)
        {
            try
            {
                Unprotect(srtp, held[i]!);
            }
            finally
            {
                held[i]!.Release();
            }
        }
    }

    private void Unprotect(SrtpContext srtp, PooledPacket packet)
    {
        int plainLength;
        DropReason reason;
        if (PacketClassifier.IsRtcp(packet.Span))
        {
            if (!srtp.TryUnprotectRtcp(packet.Buffer, packet.Length, out plainLength, out reason))
            {
                Drops.Increment(reason);
                return;
            }
            packet.Length = plainLength;
            Interlocked.Increment(ref _rtcpReceived);
            _listener.OnRtcp(this, packet);
        }
        else
        {
            if (!srtp.TryUnprotectRtp(packet.Buffer, packet.Length, out plainLength, out reason))
            {
                Drops.Increment(reason);
                return;
            }
            packet.Length = plainLength;
            if (Interlocked.Increment(ref _rtpReceived) == 1)
            {
                Timeline.OnFirstRtpIn(_endpoint.Options.TimeProvider);
            }
            _listener.OnRtp(this, packet);
        }
    }

    void IDtlsSrtpListener.OnDtlsConnected(DtlsSrtpTransport dtls, DtlsSrtpResult result)
    {
        (SrtpContext local, SrtpContext remote) = SrtpContext.FromDtlsKeyingMaterial(
            result.Profile, result.KeyingMaterial, localIsDtlsClient: DtlsRole == DtlsRole.Client, remoteMaxStreams: _maxReceivedSsrcs);
        SrtpProfile = result.Profile;
        DtlsCipherSuite = result.CipherSuite;
        DtlsNamedGroup = result.NamedGroup;
        Timeline.OnDtlsConnected(_endpoint.Options.TimeProvider);
        // Outbound keys first so the listener may send from OnStateChanged(Connected); inbound keys
        // after it, so OnRtp never precedes that notification (packets meanwhile are held, not lost).
        Volatile.Write(ref _srtpLocal, local);
        if (Interlocked.CompareExchange(ref _state, (int)WebRtcTransportState.Connected, (int)WebRtcTransportState.Checking)
            != (int)WebRtcTransportState.Checking)
        {
            // Terminated while the handshake finished: nobody else will free these.
            Interlocked.Exchange(ref _srtpLocal, null)?.Dispose();
            remote.Dispose();
            return;
        }
        _listener.OnStateChanged(this, WebRtcTransportState.Connected);
        Volatile.Write(ref _srtpRemote, remote);
        if (State >= WebRtcTransportState.Failed)
        {
            Interlocked.Exchange(ref _srtpRemote, null)?.Dispose();
        }
    }

    void IDtlsSrtpListener.OnDtlsFailed(DtlsSrtpTransport dtls, DtlsFailure failure, Exception? error)
    {
        DtlsFailure = failure;
        Terminate(failure == DtlsFailure.Closed ? WebRtcTransportState.Closed : WebRtcTransportState.Failed);
    }

    void IDtlsSrtpListener.OnDtlsClosed(DtlsSrtpTransport dtls) => Terminate(WebRtcTransportState.Closed);

    private void Terminate(WebRtcTransportState final)
    {
        int previous;
        do
        {
            previous = Volatile.Read(ref _state);
            if (previous >= (int)WebRtcTransportState.Failed)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _state, (int)final, previous) != previous);
        SrtpContext? local = Interlocked.Exchange(ref _srtpLocal, null);
        SrtpContext? remote = Interlocked.Exchange(ref _srtpRemote, null);
        _endpoint.RemoveTransport(this);
        _dtls.Close();
        _early.Close();
        local?.Dispose();
        remote?.Dispose();
        _listener.OnStateChanged(this, final);
    }
}
