using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// One peer's ICE + DTLS + SRTP in a shared <see cref="TransportDirectory"/> (the UDP port and the ICE-TCP port).
/// ICE validates tuples and selects one (RFC 8445 nomination, see WebRtcTransport.Ice.cs); DTLS-SRTP
/// runs over the selected tuple (RFC 5764); SRTP and SRTCP are unprotected in place on the receive thread
/// and handed to the <see cref="IWebRtcTransportListener"/>; sends protect in place and go to the
/// selected tuple through the socket it was validated on.
/// </summary>
public sealed partial class WebRtcTransport : IDatagramSender, IDtlsSrtpListener, IRtpPacketSender
{
    /// <summary>SRTP packets held while our DTLS side finishes deriving keys (see TryHoldEarly).</summary>
    private const int EarlyCapacity = 16;

    private readonly TransportDirectory _endpoint;
    private IWebRtcTransportListener _listener;
    private readonly DtlsSrtpTransport _dtls;
    private readonly ConsentFreshness _consent;
    private readonly object _earlyLock = new();
    private readonly object _iceLock = new();
    private volatile IceCredentials _localIce;
    private volatile IceCredentials? _previousLocalIce;
    private volatile string? _remoteIceUfrag;
    private volatile string? _previousRemoteIceUfrag;
    private PooledPacket[]? _early;
    private int _earlyCount;
    private SrtpContext? _srtpLocal;
    private SrtpContext? _srtpRemote;
    private int _state;
    private long _rtpReceived;
    private long _rtcpReceived;
    private long _rtpSent;
    private long _rtcpSent;

    internal WebRtcTransport(TransportDirectory endpoint, WebRtcTransportOptions options)
    {
        _endpoint = endpoint;
        _listener = options.Listener ?? NoListener.Instance;
        _localIce = options.LocalIceCredentials ?? IceCredentials.Generate();
        _remoteIceUfrag = options.RemoteIceUfrag;
        RemoteIcePassword = options.RemoteIcePassword;
        RemoteFingerprint = options.RemoteFingerprint;
        DtlsRole = options.DtlsRole;
        _consent = new ConsentFreshness(endpoint.Options.TimeProvider, endpoint.Options.ConsentTimeout);
        _dtls = new DtlsSrtpTransport(options.DtlsRole, endpoint.Certificate, options.RemoteFingerprint, this, this,
            (int)endpoint.Options.DtlsHandshakeTimeout.TotalMilliseconds);
    }

    /// <summary>Our current ICE credentials (new ones after an ICE restart).</summary>
    public IceCredentials LocalIceCredentials => _localIce;

    public string? RemoteIceUfrag => _remoteIceUfrag;

    public string? RemoteIcePassword { get; private set; }

    /// <summary>ICE restarts begun on this transport.</summary>
    public int IceRestarts { get; private set; }

    /// <summary>
    /// ICE restart (RFC 8445 §9): <paramref name="fresh"/> become our credentials and are registered on the port;
    /// the previous ones stay valid until the first check authenticated with the new ones (so a restart whose offer
    /// is lost costs nothing). DTLS and SRTP go on unchanged.
    /// </summary>
    public void BeginIceRestart(IceCredentials fresh)
    {
        lock (_iceLock)
        {
            if (_previousLocalIce is { } older)
            {
                _endpoint.RemoveUfrag(older.Ufrag, this);
            }
            if (!_endpoint.AddUfrag(fresh.Ufrag, this))
            {
                ThrowHelper.ThrowInvalidOperation("Local ICE ufrag already in use on this endpoint.");
            }
            _previousLocalIce = _localIce;
            _localIce = fresh;
            IceRestarts++;
            // The restarted peer may come back on any pair: the first one it nominates wins.
            Interlocked.Exchange(ref _selectedCheckedAt, 0);
        }
    }

    /// <summary>The peer's ice-ufrag/ice-pwd from its latest description; a change is its side of an ICE restart.</summary>
    public void SetRemoteIce(string ufrag, string password)
    {
        lock (_iceLock)
        {
            if (_remoteIceUfrag != ufrag)
            {
                _previousRemoteIceUfrag = _remoteIceUfrag;
                _remoteIceUfrag = ufrag;
            }
            RemoteIcePassword = password;
        }
    }

    /// <summary>The MESSAGE-INTEGRITY key for checks to <paramref name="localUfrag"/>: current or, during a restart, previous.</summary>
    internal byte[]? PasswordFor(ReadOnlySpan<byte> localUfrag)
    {
        IceCredentials current = _localIce;
        if (AsciiEquals(localUfrag, current.Ufrag))
        {
            return current.PasswordBytes;
        }
        return _previousLocalIce is { } previous && AsciiEquals(localUfrag, previous.Ufrag) ? previous.PasswordBytes : null;
    }

    /// <summary>Whether a check's peer ufrag is the peer's current one (or its previous one during a restart).</summary>
    internal bool AcceptsRemoteUfrag(ReadOnlySpan<byte> remoteUfrag)
    {
        string? current = _remoteIceUfrag;
        return current is null || AsciiEquals(remoteUfrag, current)
            || (_previousRemoteIceUfrag is { } previous && AsciiEquals(remoteUfrag, previous));
    }

    /// <summary>A check authenticated with our current credentials ends a restart: the previous ones are dropped.</summary>
    internal void ConfirmLocalUfrag(ReadOnlySpan<byte> localUfrag)
    {
        if (_previousLocalIce is null || !AsciiEquals(localUfrag, _localIce.Ufrag))
        {
            return;
        }
        lock (_iceLock)
        {
            if (_previousLocalIce is { } previous && AsciiEquals(localUfrag, _localIce.Ufrag))
            {
                _endpoint.RemoveUfrag(previous.Ufrag, this);
                _previousLocalIce = null;
                _previousRemoteIceUfrag = null;
            }
        }
    }

    /// <summary>Every local ufrag this transport is reachable by (one, two during a restart).</summary>
    internal IEnumerable<string> LocalUfrags() =>
        _previousLocalIce is { } previous ? [_localIce.Ufrag, previous.Ufrag] : [_localIce.Ufrag];

    private static bool AsciiEquals(ReadOnlySpan<byte> utf8, string text) =>
        utf8.Length == text.Length && System.Text.Ascii.Equals(utf8, text);

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
    public TransportTuple? SelectedTuple => Volatile.Read(ref _selected)?.Tuple;

    /// <summary>Negotiated SRTP profile once connected.</summary>
    public SrtpProtectionProfile? SrtpProfile { get; private set; }

    /// <summary>Negotiated DTLS cipher suite once connected.</summary>
    public int DtlsCipherSuite { get; private set; }

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

    /// <summary>Whether the selected tuple is an ICE-TCP connection (RFC 6544) rather than the UDP port.</summary>
    public bool IsSelectedTcp => Volatile.Read(ref _selected)?.Tuple.IsTcp == true;

    /// <summary>Our outbound SRTP context once connected (tests and benchmarks build packets with it).</summary>
    public SrtpContext? LocalSrtp => Volatile.Read(ref _srtpLocal);

    /// <summary>Closes DTLS (close_notify), forgets the tuples and ufrag. Idempotent.</summary>
    public void Close() => Terminate(WebRtcTransportState.Closed);

    /// <summary>
    /// Benchmarks only: keep the selected tuple but send to <paramref name="address"/> (a socket nobody reads, as the
    /// calibration forwarder's sinks are), so a loopback benchmark does not pay for waking the receiving client.
    /// </summary>
    public void RedirectSendsForBenchmark(SocketAddress address)
    {
        if (Volatile.Read(ref _selected) is { } path)
        {
            Volatile.Write(ref _selected, path with { Address = CopyOf(address) });
        }
    }

    /// <summary>Consent timer: RFC 7675 §5.1, fail after the timeout without a valid check.</summary>
    internal void CheckConsent()
    {
        WebRtcTransportState state = State;
        if ((state == WebRtcTransportState.Checking || state == WebRtcTransportState.Connected) && _consent.IsExpired)
        {
            Terminate(WebRtcTransportState.Failed);
        }
    }

    void IDatagramSender.SendDatagram(ReadOnlySpan<byte> datagram)
    {
        if (Volatile.Read(ref _selected) is { } path)
        {
            path.Socket.Send(datagram, path.Address);
        }
    }

    void IDtlsSrtpListener.OnDtlsConnected(DtlsSrtpTransport dtls, DtlsSrtpResult result)
    {
        (SrtpContext local, SrtpContext remote) = SrtpContext.FromDtlsKeyingMaterial(
            result.Profile, result.KeyingMaterial, localIsDtlsClient: DtlsRole == DtlsRole.Client);
        SrtpProfile = result.Profile;
        DtlsCipherSuite = result.CipherSuite;
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
        ReleaseEarly();
        local?.Dispose();
        remote?.Dispose();
        _listener.OnStateChanged(this, final);
    }

    private static SocketAddress CopyOf(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
