using DigitalWeRoom.Sfu.Transport.Buffers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>Outcome callbacks of a <see cref="DtlsSrtpTransport"/> (called on the DTLS threads).</summary>
internal interface IDtlsSrtpListener
{
    void OnDtlsConnected(DtlsSrtpTransport dtls, DtlsSrtpResult result);

    void OnDtlsFailed(DtlsSrtpTransport dtls, DtlsFailure failure, Exception? error);

    /// <summary>The peer closed DTLS (close_notify) or a post-handshake record was fatal.</summary>
    void OnDtlsClosed(DtlsSrtpTransport dtls);
}

public enum DtlsFailure : byte
{
    None = 0,
    Timeout = 1,
    FingerprintMismatch = 2,
    HandshakeError = 3,
    Closed = 4,
}

/// <summary>
/// One DTLS-SRTP association (RFC 5764) on BouncyCastle. The blocking handshake runs on its own
/// long-running task; afterwards, records that still arrive (retransmitted Finished, alerts) are
/// pumped through BouncyCastle on the thread pool, one worker at a time, so no thread stays parked
/// per connected transport.
/// </summary>
internal sealed class DtlsSrtpTransport
{
    private static readonly SecureRandom s_random = new();

    private readonly DtlsRole _role;
    private readonly DtlsCertificate _certificate;
    private readonly CertificateFingerprint _remoteFingerprint;
    private readonly IDtlsSrtpListener _listener;
    private readonly int _handshakeTimeoutMillis;
    private readonly int _handshakeNice;
    private readonly bool _openSsl;
    private readonly DtlsDatagramBridge _bridge;
    private DtlsTransport? _established;
    private int _started;
    private int _pumping;
    private volatile bool _closed;

    public DtlsSrtpTransport(DtlsRole role, DtlsCertificate certificate, CertificateFingerprint remoteFingerprint,
        IDatagramSender sender, IDtlsSrtpListener listener, int handshakeTimeoutMillis = DtlsSrtpPolicy.HandshakeTimeoutMillis,
        int handshakeNice = 0, bool openSsl = true)
    {
        _handshakeNice = handshakeNice;
        _openSsl = openSsl;
        _role = role;
        _certificate = certificate;
        _remoteFingerprint = remoteFingerprint;
        _listener = listener;
        _handshakeTimeoutMillis = handshakeTimeoutMillis;
        _bridge = new DtlsDatagramBridge(sender);
    }

    public DtlsRole Role => _role;

    public bool IsConnected => Volatile.Read(ref _established) is not null;

    /// <summary>The nice the handshake thread ran at (null before it started or where unsupported; for tests).</summary>
    public int? HandshakeNice { get; private set; }

    /// <summary>Queued datagrams (for tests).</summary>
    public int QueuedDatagrams => _bridge.Count;

    /// <summary>Starts the handshake once (later calls do nothing).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }
        Task.Factory.StartNew(RunHandshake, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Receive loop: hands one DTLS datagram over. False when the bounded queue is full.</summary>
    public bool TryEnqueue(PooledPacket packet)
    {
        if (!_bridge.TryEnqueue(packet))
        {
            return false;
        }
        if (IsConnected && Interlocked.Exchange(ref _pumping, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.PumpPostHandshake(), this, preferLocal: false);
        }
        return true;
    }

    public void Close()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        try
        {
            Volatile.Read(ref _established)?.Close();
        }
        catch (Exception)
        {
            // Best effort close_notify; the peer also learns from consent expiry.
        }
        _bridge.Close();
    }

    private void RunHandshake()
    {
        // The handshake's ECDHE/ECDSA is the bulk of a join's CPU: on a thread of its own at a lower priority, so a
        // storm of joins yields the CPU to the media threads of rooms already running.
        if (_handshakeNice > 0) ThreadNiceness.LowerCurrentThread(_handshakeNice);
        HandshakeNice = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
        // The handshake's ECDSA runs in OpenSSL (DtlsCrypto); BouncyCastle alone stays as a fallback, for benchmarks and
        // for tests that shake hands with an independent implementation.
        var crypto = new DtlsCrypto(s_random, openSsl: _openSsl);
        var peer = new DtlsSrtpPeer(_certificate, _remoteFingerprint, _handshakeTimeoutMillis);
        try
        {
            DtlsTransport dtls = _role == DtlsRole.Server
                ? new DtlsServerProtocol().Accept(new DtlsSrtpServer(crypto, peer), _bridge)
                : new DtlsClientProtocol().Connect(new DtlsSrtpClient(crypto, peer), _bridge);
            DtlsSrtpResult? result = peer.Result;
            if (result is null)
            {
                dtls.Close();
                _listener.OnDtlsFailed(this, DtlsFailure.HandshakeError, null);
                return;
            }
            Volatile.Write(ref _established, dtls);
            _listener.OnDtlsConnected(this, result);
            if (_bridge.Count > 0 && Interlocked.Exchange(ref _pumping, 1) == 0)
            {
                PumpPostHandshake();
            }
        }
        catch (Exception e)
        {
            DtlsFailure failure = peer.FingerprintMismatch ? DtlsFailure.FingerprintMismatch
                : _closed ? DtlsFailure.Closed
                : e is TlsTimeoutException ? DtlsFailure.Timeout
                : DtlsFailure.HandshakeError;
            _bridge.Close();
            _listener.OnDtlsFailed(this, failure, e);
        }
    }

    /// <summary>
    /// Lets BouncyCastle process records that arrive after the handshake: it re-sends its last flight
    /// when the peer retransmits, and reports close_notify. Application data is not used by WebRTC
    /// media (data channels are out of scope) and is discarded.
    /// </summary>
    private void PumpPostHandshake()
    {
        DtlsTransport? dtls = Volatile.Read(ref _established);
        byte[] scratch = new byte[DtlsDatagramBridge.DatagramLimit];
        while (true)
        {
            try
            {
                while (dtls is not null && !_closed && _bridge.Count > 0)
                {
                    if (dtls.Receive(scratch, 0, scratch.Length, 1) < 0 && _bridge.IsClosed)
                    {
                        break;
                    }
                }
            }
            catch (Exception)
            {
                if (!_closed)
                {
                    _closed = true;
                    _bridge.Close();
                    _listener.OnDtlsClosed(this);
                }
                return;
            }
            Volatile.Write(ref _pumping, 0);
            // A datagram may have arrived between the last check and clearing the flag.
            if (_closed || _bridge.Count == 0 || Interlocked.Exchange(ref _pumping, 1) != 0)
            {
                return;
            }
        }
    }
}
