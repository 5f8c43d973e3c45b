using System.Diagnostics.CodeAnalysis;
using System.Text;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// The directory of live <see cref="WebRtcTransport"/>s that every socket of the server shares, whatever its kind
/// (the UDP port, the ICE-TCP port): local ufrag → transport for STUN checks (RFC 8445 §7.3), validated tuple →
/// transport for DTLS and SRTP (a TCP tuple never equals a UDP one, see <see cref="TransportTuple.IsTcp"/>), the
/// ICE-lite responder, the packet pool, the DTLS certificate and the consent timer (RFC 7675). The sockets own only
/// their receive and send paths.
/// </summary>
public sealed class TransportDirectory : IDisposable
{
    private readonly ConcurrentDictionary<string, WebRtcTransport> _byUfrag = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, WebRtcTransport>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly TupleTable<WebRtcTransport> _tuples = new();
    private readonly ITimer _consentTimer;
    private IReadOnlyList<HostCandidate> _candidates = [];
    private volatile bool _disposed;

    /// <summary>Takes the timing, certificate and pool settings of <paramref name="options"/>.</summary>
    public TransportDirectory(UdpEndpointOptions options)
    {
        Options = options;
        _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();
        Pool = new PacketPool(options.PoolMaxRetained);
        Certificate = options.Certificate ?? DtlsCertificate.Shared;
        Ice = new IceLiteAgent(this);
        EarlyChecks = new EarlyChecks(options.TimeProvider);
        _consentTimer = options.TimeProvider.CreateTimer(
            static state => ((TransportDirectory)state!).CheckConsent(), this, options.ConsentCheckInterval, options.ConsentCheckInterval);
    }

    public UdpEndpointOptions Options { get; }

    public PacketPool Pool { get; }

    public DtlsCertificate Certificate { get; }

    public IceLiteAgent Ice { get; }

    /// <summary>Checks that arrived before their transport existed (a browser's first checks racing its answer).</summary>
    internal EarlyChecks EarlyChecks { get; }

    /// <summary>Checks held for a transport not yet created, replayed to it, and expired unclaimed, so far (metrics).</summary>
    public EarlyCheckCounts EarlyCheckCounts => EarlyChecks.Counts;

    /// <summary>Host candidates of every socket in the directory, UDP first (SDP answers).</summary>
    public IReadOnlyList<HostCandidate> LocalCandidates => Volatile.Read(ref _candidates);

    /// <summary>Live transports.</summary>
    public int TransportCount => _byUfrag.Count;

    /// <summary>Every live transport once (one reachable by two ufrags during an ICE restart too); for metrics, not the data path.</summary>
    public IEnumerable<WebRtcTransport> Transports => _byUfrag.Values.Distinct();

    /// <summary>A socket announces its host candidates (once, when it binds).</summary>
    internal void AddCandidates(IReadOnlyList<HostCandidate> candidates)
    {
        lock (_byUfrag)
        {
            Volatile.Write(ref _candidates, [.. _candidates, .. candidates]);
        }
    }

    /// <summary>Creates one peer's transport; it is reachable by its local ufrag on every socket at once.</summary>
    public WebRtcTransport CreateTransport(WebRtcTransportOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (true)
        {
            var transport = new WebRtcTransport(this, options);
            if (_byUfrag.TryAdd(transport.LocalIceCredentials.Ufrag, transport))
            {
                return transport;
            }
            if (options.LocalIceCredentials is not null)
            {
                ThrowHelper.ThrowInvalidOperation("Local ICE ufrag already in use on this endpoint.");
            }
        }
    }

    internal bool TryGetTransportByUfrag(ReadOnlySpan<byte> ufragUtf8, [NotNullWhen(true)] out WebRtcTransport? transport)
    {
        transport = null;
        if (ufragUtf8.Length > 256)
        {
            return false;
        }
        Span<char> chars = stackalloc char[ufragUtf8.Length];
        if (Ascii.ToUtf16(ufragUtf8, chars, out int written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }
        return _byUfragSpan.TryGetValue(chars[..written], out transport);
    }

    internal bool TryRegisterTuple(in TransportTuple tuple, WebRtcTransport transport) => _tuples.TryClaim(tuple, transport);

    internal void UnregisterTuple(in TransportTuple tuple, WebRtcTransport transport) => _tuples.Remove(tuple, transport);

    internal bool TryGetTransportByTuple(in TransportTuple tuple, [NotNullWhen(true)] out WebRtcTransport? transport) =>
        _tuples.TryGet(tuple, out transport);

    internal void RemoveTransport(WebRtcTransport transport)
    {
        foreach (string ufrag in transport.IceSession.LocalUfrags())
        {
            _byUfrag.TryRemove(new KeyValuePair<string, WebRtcTransport>(ufrag, transport));
        }
        _tuples.RemoveAll(transport);
    }

    /// <summary>ICE restart: the transport becomes reachable by a second local ufrag.</summary>
    internal bool AddUfrag(string ufrag, WebRtcTransport transport) => _byUfrag.TryAdd(ufrag, transport);

    internal void RemoveUfrag(string ufrag, WebRtcTransport transport) =>
        _byUfrag.TryRemove(new KeyValuePair<string, WebRtcTransport>(ufrag, transport));

    /// <summary>
    /// The owner of a validated tuple; anything else is dropped as <see cref="DropReason.UnvalidatedAddress"/> into
    /// <paramref name="drops"/>: no DTLS or SRTP before ICE has validated the address (CVE-2023-51443 class).
    /// </summary>
    internal bool LookupValidated(in TransportTuple tuple, DropCounters drops, [NotNullWhen(true)] out WebRtcTransport? owner)
    {
        if (_tuples.TryGet(tuple, out owner))
        {
            return true;
        }
        drops.Increment(DropReason.UnvalidatedAddress);
        return false;
    }

    private void CheckConsent()
    {
        foreach (var pair in _byUfrag)
        {
            pair.Value.CheckConsent();
        }
    }

    /// <summary>Closes every transport (DTLS close_notify while the sockets are still open).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _consentTimer.Dispose();
        foreach (var pair in _byUfrag)
        {
            pair.Value.Close();
        }
    }
}
