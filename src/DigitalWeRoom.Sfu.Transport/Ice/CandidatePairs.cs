using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// The ICE-lite side of one transport: the pairs that authenticated checks validated and the one that is selected
/// (RFC 8445 §7.3.1.5, §8.1.1, §12.1). Until the peer nominates a pair, the selection is provisional: the first valid
/// pair, then whichever valid pair the peer sends DTLS on. The first nomination always replaces a provisional
/// selection; among nominated pairs the one with the highest pair priority wins while it stays fresh.
/// </summary>
/// <remarks>
/// A mutable struct held in a non-readonly field of its <see cref="WebRtcTransport"/> and never copied: every send
/// reads <see cref="Selected"/>, and this way it is a field of the transport itself, not one pointer further.
/// Chromium nominates one pair (regular nomination, RFC 8445 §8.1.1) after checking all of them without
/// USE-CANDIDATE, and need not nominate the pair with the highest priority; its nomination must win over the pair
/// that happened to be checked first. Firefox nominates every pair it checks against a lite agent (aggressive
/// nomination), so among nominated pairs "the latest USE-CANDIDATE wins" would let a relayed or TCP pair that
/// succeeded late replace a direct UDP one: there the pair priority (RFC 8445 §6.1.2.3, from the check's PRIORITY
/// and our candidate's) decides, as §8.1.1 asks when several pairs are nominated, unless the selected pair is no
/// longer fresh (no check on it for <see cref="SelectedStaleAfter"/>, or an ICE restart began).
/// </remarks>
internal struct CandidatePairs
{
    /// <summary>Validated remote tuples kept per transport; past it the oldest (never the selected one) is forgotten.</summary>
    public const int MaxValidated = 8;

    /// <summary>A nominated pair on which no check arrived this long may be replaced by any nominated pair.</summary>
    public static readonly TimeSpan SelectedStaleAfter = TimeSpan.FromSeconds(7.5);

    // Validated pairs, oldest first; a small bounded array, so membership is a bounded scan (issue #12, finding 3).
    // The array is also the lock for every change of the selection (checks arrive on UDP and TCP threads at once).
    private readonly CandidatePair?[] _validated;
    private int _count;
    private CandidatePair? _selected;
    private long _selectedCheckedAt;

    public CandidatePairs() => _validated = new CandidatePair?[MaxValidated];

    /// <summary>The selected pair, or null before the first valid check.</summary>
    public CandidatePair? Selected => Volatile.Read(ref _selected);

    /// <summary>
    /// A check from <paramref name="tuple"/> was authenticated on <paramref name="socket"/>: validates the tuple (registered
    /// for <paramref name="owner"/> in <paramref name="directory"/>) and updates the selection. False when another
    /// transport owns the tuple.
    /// </summary>
    public bool OnValidCheck(in TransportTuple tuple, SocketAddress remote, IIceSocket socket, uint remotePriority, bool nominated,
        TimeProvider time, TransportDirectory directory, WebRtcTransport owner)
    {
        long now = time.GetTimestamp();
        lock (_validated)
        {
            CandidatePair? pair = Validate(tuple, remote, socket, remotePriority, directory, owner);
            if (pair is null)
            {
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
        return true;
    }

    /// <summary>
    /// RFC 8445 §12.1: before it nominates a pair, the peer may send on any valid pair (Chromium sends its ClientHello
    /// on the pair it uses, sometimes ICE-TCP first, before USE-CANDIDATE). While the selection is provisional it
    /// follows the pair the peer sends DTLS on, so our flights go back the same way. False once a pair is nominated.
    /// </summary>
    public bool TryFollowPeer(in TransportTuple tuple, TimeProvider time)
    {
        lock (_validated)
        {
            CandidatePair? current = _selected;
            if (current is null || current.Nominated)
            {
                return current?.Tuple == tuple;
            }
            for (int i = 0; i < _count; i++)
            {
                if (_validated[i]!.Tuple == tuple)
                {
                    Interlocked.Exchange(ref _selectedCheckedAt, time.GetTimestamp());
                    Volatile.Write(ref _selected, _validated[i]);
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>An ICE restart began: the restarted peer may come back on any pair, the first one it nominates wins.</summary>
    public void MarkStale() => Interlocked.Exchange(ref _selectedCheckedAt, 0);

    /// <summary>Benchmarks: the selected pair sends to <paramref name="address"/> from now on.</summary>
    public void Redirect(SocketAddress address)
    {
        if (Volatile.Read(ref _selected) is { } path)
        {
            Volatile.Write(ref _selected, path with { Address = CopyOf(address) });
        }
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
    /// The pair of <paramref name="tuple"/>, registered now if it is new (null: another transport owns it); a known tuple
    /// on a new socket moves there, the selected pair's record with it. Past
    /// <see cref="MaxValidated"/> the oldest pair that is not the selected one is forgotten and unregistered. Under the lock.
    /// </summary>
    private CandidatePair? Validate(in TransportTuple tuple, SocketAddress remote, IIceSocket socket, uint remotePriority,
        TransportDirectory directory, WebRtcTransport owner)
    {
        for (int i = 0; i < _count; i++)
        {
            CandidatePair known = _validated[i]!;
            if (known.Tuple == tuple)
            {
                if (ReferenceEquals(known.Socket, socket))
                {
                    return known;
                }
                // The same remote tuple on another socket (a new ICE-TCP connection from a reused port): claim it again.
                if (!directory.TryRegisterTuple(tuple, owner))
                {
                    return null;
                }
                CandidatePair moved = _validated[i] = known with { Address = CopyOf(remote), Socket = socket };
                if (_selected is { } selected && selected.Tuple == tuple)
                {
                    // The selected tuple came back on a new ICE-TCP connection (the peer reused its port, RFC 6544
                    // §7.1 lets it open one per check): our flights and media must follow it, or every send goes to
                    // the closed connection (Firefox's first handshake over ICE-TCP timed out this way).
                    Volatile.Write(ref _selected, selected with { Address = moved.Address, Socket = socket });
                }
                return moved;
            }
        }
        if (!directory.TryRegisterTuple(tuple, owner))
        {
            return null;
        }
        if (_count == MaxValidated)
        {
            TransportTuple? selected = _selected?.Tuple;
            int evict = _validated[0]!.Tuple == selected ? 1 : 0;
            directory.UnregisterTuple(_validated[evict]!.Tuple, owner);
            Array.Copy(_validated, evict + 1, _validated, evict, MaxValidated - evict - 1);
            _count--;
        }
        var pair = new CandidatePair(tuple, CopyOf(remote), socket, PairPriority(remotePriority, tuple.IsTcp), Nominated: false);
        _validated[_count++] = pair;
        return pair;
    }

    /// <summary>
    /// RFC 8445 §6.1.2.3: pair priority = 2^32·MIN(G,D) + 2·MAX(G,D) + (G&gt;D ? 1 : 0), G the controlling peer's
    /// PRIORITY, D our (controlled) candidate's: host UDP above passive ICE-TCP (<see cref="HostCandidate"/>).
    /// </summary>
    public static ulong PairPriority(uint controlling, bool tcp)
    {
        uint controlled = tcp
            ? HostCandidate.ComputePriority(HostCandidate.HostTcpTypePreference, (4 << 13) + 8191, 1)
            : HostCandidate.ComputePriority(HostCandidate.HostTypePreference, 65535, 1);
        return ((ulong)Math.Min(controlling, controlled) << 32) + (2UL * Math.Max(controlling, controlled)) + (controlling > controlled ? 1UL : 0UL);
    }

    private static SocketAddress CopyOf(SocketAddress address)
    {
        var copy = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(copy.Buffer.Span);
        return copy;
    }
}
