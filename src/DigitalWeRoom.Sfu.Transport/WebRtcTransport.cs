using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// One peer's ICE + DTLS + SRTP on a shared <see cref="UdpEndpoint"/>. ICE validates tuples and
/// selects one (RFC 8445 §7.3.1.5 nomination; a new nominated tuple is followed); DTLS-SRTP runs
/// over the selected tuple (RFC 5764); SRTP and SRTCP are unprotected in place on the receive thread
/// and handed to the <see cref="IWebRtcTransportListener"/>; sends protect in place and go to the
/// selected tuple.
/// </summary>
internal sealed partial class WebRtcTransport : IDatagramSender, IDtlsSrtpListener
{
    /// <summary>SRTP packets held while our DTLS side finishes deriving keys (see TryHoldEarly).</summary>
    private const int EarlyCapacity = 16;

    private readonly UdpEndpoint _endpoint;
    private readonly IWebRtcTransportListener _listener;
    private readonly DtlsSrtpTransport _dtls;
    private readonly ConsentFreshness _consent;
    private readonly List<TransportTuple> _validatedTuples = [];
    private readonly object _earlyLock = new();
    private PooledPacket[]? _early;
    private int _earlyCount;
    private SelectedPath? _selected;
    private SrtpContext? _srtpLocal;
    private SrtpContext? _srtpRemote;
    private int _state;
    private long _rtpReceived;
    private long _rtcpReceived;
    private long _rtpSent;
    private long _rtcpSent;

    internal WebRtcTransport(UdpEndpoint endpoint, WebRtcTransportOptions options)
    {
        _endpoint = endpoint;
        _listener = options.Listener;
        LocalIceCredentials = options.LocalIceCredentials ?? IceCredentials.Generate();
        RemoteIceUfrag = options.RemoteIceUfrag;
        RemoteIcePassword = options.RemoteIcePassword;
        RemoteFingerprint = options.RemoteFingerprint;
        DtlsRole = options.DtlsRole;
        _consent = new ConsentFreshness(endpoint.Options.TimeProvider, endpoint.Options.ConsentTimeout);
        _dtls = new DtlsSrtpTransport(options.DtlsRole, endpoint.Certificate, options.RemoteFingerprint, this, this,
            (int)endpoint.Options.DtlsHandshakeTimeout.TotalMilliseconds);
    }

    public IceCredentials LocalIceCredentials { get; }

    public string? RemoteIceUfrag { get; }

    public string? RemoteIcePassword { get; }

    public CertificateFingerprint RemoteFingerprint { get; }

    public DtlsRole DtlsRole { get; }

    /// <summary>Our a=fingerprint value, e.g. <c>sha-256 AB:CD:...</c>.</summary>
    public string LocalFingerprint => _endpoint.Certificate.Fingerprint.ToSdpValue();

    /// <summary>Host candidates of the shared port.</summary>
    public IReadOnlyList<HostCandidate> LocalCandidates => _endpoint.LocalCandidates;

    public WebRtcTransportState State => (WebRtcTransportState)Volatile.Read(ref _state);

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

    internal UdpEndpoint Endpoint => _endpoint;

    /// <summary>Our outbound SRTP context once connected (tests and benchmarks build packets with it).</summary>
    internal SrtpContext? LocalSrtp => Volatile.Read(ref _srtpLocal);

    /// <summary>Closes DTLS (close_notify), forgets the tuples and ufrag. Idempotent.</summary>
    public void Close() => Terminate(WebRtcTransportState.Closed);

    /// <summary>
    /// ICE: a check (or, for a controlling client, a response) from <paramref name="tuple"/> was
    /// authenticated. Validates the tuple, selects it if none is selected or if nominated, renews
    /// consent and starts DTLS on the first one. Receive thread.
    /// </summary>
    internal void OnIceCheck(in TransportTuple tuple, SocketAddress remote, bool nominated)
    {
        if (State >= WebRtcTransportState.Failed)
        {
            return;
        }
        _consent.Refresh();
        SelectedPath? current = Volatile.Read(ref _selected);
        if (current is null || (nominated && current.Tuple != tuple))
        {
            lock (_validatedTuples)
            {
                if (!_validatedTuples.Contains(tuple))
                {
                    _validatedTuples.Add(tuple);
                }
            }
            _endpoint.RegisterTuple(tuple, this);
            Volatile.Write(ref _selected, new SelectedPath(tuple, CopyOf(remote)));
        }
        else if (current.Tuple != tuple)
        {
            // Validated but not nominated: remember it so a later nomination can move here.
            bool added;
            lock (_validatedTuples)
            {
                added = !_validatedTuples.Contains(tuple);
                if (added)
                {
                    _validatedTuples.Add(tuple);
                }
            }
            if (added)
            {
                _endpoint.RegisterTuple(tuple, this);
            }
        }
        if (State >= WebRtcTransportState.Failed)
        {
            // Terminated on another thread meanwhile: do not leave our tuples behind.
            _endpoint.RemoveTransport(this);
            return;
        }
        if (Interlocked.CompareExchange(ref _state, (int)WebRtcTransportState.Checking, (int)WebRtcTransportState.New)
            == (int)WebRtcTransportState.New)
        {
            _listener.OnStateChanged(this, WebRtcTransportState.Checking);
            _dtls.Start();
        }
    }

    /// <summary>Receive thread: a DTLS record from a validated tuple of ours.</summary>
    internal void OnDtlsDatagram(PooledPacket packet, in TransportTuple tuple)
    {
        SelectedPath? path = Volatile.Read(ref _selected);
        if (path is null || path.Tuple != tuple)
        {
            // Only the ICE-selected tuple talks DTLS.
            _endpoint.Drops.Increment(DropReason.UnvalidatedAddress);
            return;
        }
        // RFC 6347 §4.1: whole, well-formed records only reach BouncyCastle; anything else is dropped with its reason.
        if (!Protocols.Dtls.DtlsRecordReader.Validate(packet.Span, out _, out DropReason malformed))
        {
            Drops.Increment(malformed);
            return;
        }
        if (!_dtls.TryEnqueue(packet))
        {
            Drops.Increment(DropReason.DtlsQueueFull);
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
            _endpoint.SendTo(datagram, path.Address);
        }
    }

    void IDtlsSrtpListener.OnDtlsConnected(DtlsSrtpTransport dtls, DtlsSrtpResult result)
    {
        (SrtpContext local, SrtpContext remote) = SrtpContext.FromDtlsKeyingMaterial(
            result.Profile, result.KeyingMaterial, localIsDtlsClient: DtlsRole == DtlsRole.Client);
        SrtpProfile = result.Profile;
        DtlsCipherSuite = result.CipherSuite;
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

    /// <summary>The selected tuple and its socket address for sends (replaced, never mutated).</summary>
    private sealed record SelectedPath(TransportTuple Tuple, SocketAddress Address);
}
