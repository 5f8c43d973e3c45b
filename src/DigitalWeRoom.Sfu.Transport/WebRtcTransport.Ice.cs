using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// The ICE-lite side of one transport: the pairs that authenticated checks validated and the one that is selected
/// (RFC 8445 §7.3.1.5, §8.1.1, §12.1). Until the peer nominates a pair, the selection is provisional: the first valid
/// pair, then whichever valid pair the peer sends DTLS on. The first nomination always replaces a provisional
/// selection; among nominated pairs the one with the highest pair priority wins while it stays fresh.
/// </summary>
public sealed partial class WebRtcTransport
{
    /// <summary>Validated remote tuples kept per transport; past it the oldest (never the selected one) is forgotten.</summary>
    internal const int MaxValidatedTuples = 8;

    /// <summary>A nominated pair on which no check arrived this long may be replaced by any nominated pair.</summary>
    internal static readonly TimeSpan SelectedStaleAfter = TimeSpan.FromSeconds(7.5);

    // Validated pairs, oldest first; a small bounded array, so membership is a bounded scan (issue #12, finding 3).
    // The array is also the lock for every change of the selection (checks arrive on UDP and TCP threads at once).
    private readonly CandidatePair?[] _validatedPairs = new CandidatePair?[MaxValidatedTuples];
    private int _validatedCount;
    private CandidatePair? _selected;
    private long _selectedCheckedAt;

    /// <summary>Whether the peer has nominated the selected pair (USE-CANDIDATE), rather than it being provisional.</summary>
    internal bool IsSelectedNominated => Volatile.Read(ref _selected)?.Nominated == true;

    /// <summary>
    /// ICE: a check (or, for a controlling client, a response) from <paramref name="tuple"/> was
    /// authenticated on <paramref name="socket"/>. Validates the tuple, updates the selection, renews consent and
    /// starts DTLS on the first one. False (nothing changed, nothing to answer) when another live transport owns the
    /// tuple (counted <see cref="DropReason.TupleOwnedByOther"/> on <paramref name="socket"/>) or this one is
    /// closing. Receive thread.
    /// </summary>
    /// <remarks>
    /// Chromium nominates one pair (regular nomination, RFC 8445 §8.1.1) after checking all of them without
    /// USE-CANDIDATE, and need not nominate the pair with the highest priority; its nomination must win over the pair
    /// that happened to be checked first. Firefox nominates every pair it checks against a lite agent (aggressive
    /// nomination), so among nominated pairs "the latest USE-CANDIDATE wins" would let a relayed or TCP pair that
    /// succeeded late replace a direct UDP one: there the pair priority (RFC 8445 §6.1.2.3, from the check's PRIORITY
    /// and our candidate's) decides, as §8.1.1 asks when several pairs are nominated, unless the selected pair is no
    /// longer fresh (no check on it for <see cref="SelectedStaleAfter"/>, or an ICE restart began).
    /// </remarks>
    internal bool OnIceCheck(in TransportTuple tuple, SocketAddress remote, bool nominated, IIceSocket socket, uint remotePriority = 0)
    {
        if (State >= WebRtcTransportState.Failed)
        {
            return false;
        }
        TimeProvider time = _endpoint.Options.TimeProvider;
        long now = time.GetTimestamp();
        Timeline.OnCheck(now, tuple.IsTcp, nominated);
        lock (_validatedPairs)
        {
            CandidatePair? pair = Validate(tuple, remote, socket, remotePriority);
            if (pair is null)
            {
                socket.Drops.Increment(DropReason.TupleOwnedByOther);
                return false;
            }
            CandidatePair? current = _selected;
            if (current is not null && current.Tuple == tuple)
            {
                Interlocked.Exchange(ref _selectedCheckedAt, now);
            }
            if (Selects(current, pair, nominated, time.GetElapsedTime(Interlocked.Read(ref _selectedCheckedAt), now)) is { } chosen)
            {
                // The tuple is already ours (Validate above); only the selection moves.
                Interlocked.Exchange(ref _selectedCheckedAt, now);
                Volatile.Write(ref _selected, chosen);
            }
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

    /// <summary>The new selection after a valid check on <paramref name="pair"/>, or null when it stays.</summary>
    private static CandidatePair? Selects(CandidatePair? current, CandidatePair pair, bool nominated, TimeSpan selectedAge)
    {
        if (current is null)
        {
            // RFC 8445 §12.1: before any nomination the peer may send on any valid pair; DTLS can start on this one.
            return nominated ? pair with { Nominated = true } : pair;
        }
        if (!nominated)
        {
            return null;
        }
        if (current.Tuple == pair.Tuple)
        {
            return current.Nominated ? null : current with { Nominated = true };
        }
        if (!current.Nominated || pair.PairPriority >= current.PairPriority || selectedAge > SelectedStaleAfter)
        {
            return pair with { Nominated = true };
        }
        return null;
    }

    /// <summary>
    /// The pair of <paramref name="tuple"/>, registered for this transport now if it is new (null: another transport
    /// owns it). Past <see cref="MaxValidatedTuples"/> the oldest pair that is not the selected one is forgotten and
    /// unregistered. Under the pairs lock.
    /// </summary>
    private CandidatePair? Validate(in TransportTuple tuple, SocketAddress remote, IIceSocket socket, uint remotePriority)
    {
        for (int i = 0; i < _validatedCount; i++)
        {
            CandidatePair known = _validatedPairs[i]!;
            if (known.Tuple == tuple)
            {
                if (ReferenceEquals(known.Socket, socket))
                {
                    return known;
                }
                // The same remote tuple on another socket (a new ICE-TCP connection from a reused port): claim it again.
                if (!_endpoint.TryRegisterTuple(tuple, this))
                {
                    return null;
                }
                return _validatedPairs[i] = known with { Address = CopyOf(remote), Socket = socket };
            }
        }
        if (!_endpoint.TryRegisterTuple(tuple, this))
        {
            return null;
        }
        if (_validatedCount == MaxValidatedTuples)
        {
            TransportTuple? selected = _selected?.Tuple;
            int evict = _validatedPairs[0]!.Tuple == selected ? 1 : 0;
            _endpoint.UnregisterTuple(_validatedPairs[evict]!.Tuple, this);
            Array.Copy(_validatedPairs, evict + 1, _validatedPairs, evict, MaxValidatedTuples - evict - 1);
            _validatedCount--;
        }
        var pair = new CandidatePair(tuple, CopyOf(remote), socket, PairPriority(remotePriority, tuple.IsTcp), Nominated: false);
        _validatedPairs[_validatedCount++] = pair;
        return pair;
    }

    /// <summary>Receive thread: a DTLS record from a validated tuple of ours.</summary>
    internal void OnDtlsDatagram(PooledPacket packet, in TransportTuple tuple, DropCounters socketDrops)
    {
        CandidatePair? path = Volatile.Read(ref _selected);
        if (path is null || (path.Tuple != tuple && !TryFollowPeer(tuple)))
        {
            // Once a pair is nominated, only the selected pair talks DTLS (RFC 8445 §12.1).
            socketDrops.Increment(DropReason.DtlsNotSelectedPair);
            Timeline.OnDtlsRecordOffPath();
            return;
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

    /// <summary>
    /// RFC 8445 §12.1: before it nominates a pair, the peer may send on any valid pair (Chromium sends its ClientHello
    /// on the pair it uses, sometimes ICE-TCP first, before USE-CANDIDATE). While the selection is provisional it
    /// follows the pair the peer sends DTLS on, so our flights go back the same way. False once a pair is nominated.
    /// </summary>
    private bool TryFollowPeer(in TransportTuple tuple)
    {
        lock (_validatedPairs)
        {
            CandidatePair? current = _selected;
            if (current is null || current.Nominated)
            {
                return current?.Tuple == tuple;
            }
            for (int i = 0; i < _validatedCount; i++)
            {
                if (_validatedPairs[i]!.Tuple == tuple)
                {
                    Interlocked.Exchange(ref _selectedCheckedAt, _endpoint.Options.TimeProvider.GetTimestamp());
                    Volatile.Write(ref _selected, _validatedPairs[i]);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>
    /// RFC 8445 §6.1.2.3: pair priority = 2^32·MIN(G,D) + 2·MAX(G,D) + (G&gt;D ? 1 : 0), G the controlling peer's
    /// PRIORITY, D our (controlled) candidate's: host UDP above passive ICE-TCP (<see cref="HostCandidate"/>).
    /// </summary>
    internal static ulong PairPriority(uint controlling, bool tcp)
    {
        uint controlled = tcp
            ? HostCandidate.ComputePriority(HostCandidate.HostTcpTypePreference, (4 << 13) + 8191, 1)
            : HostCandidate.ComputePriority(HostCandidate.HostTypePreference, 65535, 1);
        return ((ulong)Math.Min(controlling, controlled) << 32) + (2UL * Math.Max(controlling, controlled)) + (controlling > controlled ? 1UL : 0UL);
    }

    /// <summary>
    /// A validated pair: the remote tuple, its socket address, the socket it was validated on, its pair priority and
    /// whether the peer nominated it (replaced, never mutated).
    /// </summary>
    private sealed record CandidatePair(TransportTuple Tuple, SocketAddress Address, IIceSocket Socket, ulong PairPriority, bool Nominated);
}
