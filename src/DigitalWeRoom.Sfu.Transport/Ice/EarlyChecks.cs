namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// Checks that name a local ufrag no transport has yet, held until one does. The server offers; a fast browser applies
/// the offer, answers and starts its connectivity checks at once, so its first checks can arrive before its answer
/// has reached the server and created the transport. A check is authenticated with our own credentials only
/// (RFC 8445 §7.2.2, §7.3), so it is as valid then as it will be a moment later, and RFC 8838 (trickle ICE) has checks
/// routinely racing descriptions: dropping it would cost the browser its retransmission interval. When the transport
/// is created, its owner replays the held checks through the responder (<see cref="WebRtcTransport.ProcessEarlyChecks"/>),
/// which verifies them as it verifies any other.
/// Bounded and allocation-free on the receive path once warm: <see cref="Capacity"/> slots made on first use, the oldest overwritten,
/// checks of at most <see cref="MaxDatagram"/> bytes, none older than <see cref="MaxAge"/> replayed; an overwritten
/// or stale check is counted as the <see cref="DropReason.StunUnknownUsername"/> it turned out to be. Nothing is sent
/// for a held check before it verifies, so a spoofed source gets nothing (RFC 8489 §16.1.2).
/// </summary>
internal sealed class EarlyChecks
{
    public const int Capacity = 64;
    public const int MaxDatagram = 512;
    public const int MaxUfrag = 64;
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    // Made on the first held check (a client's directory never holds one), then reused.
    private Slot?[]? _slots;
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private int _next;
    private long _held;
    private long _replayed;
    private long _expired;

    public EarlyChecks(TimeProvider time) => _time = time;

    /// <summary>Checks held so far.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary>Held checks handed to a transport's responder so far.</summary>
    public long Replayed => Interlocked.Read(ref _replayed);

    /// <summary>Held checks never replayed: overwritten by a newer one while unclaimed, or too old when their transport came.</summary>
    public long Expired => Interlocked.Read(ref _expired);

    /// <summary>All three counts at once (metrics).</summary>
    public EarlyCheckCounts Counts => new(Held, Replayed, Expired);

    /// <summary>Keeps a copy of one check for <paramref name="localUfrag"/>; false when it cannot be held (too large).</summary>
    public bool TryHold(ReadOnlySpan<byte> datagram, ReadOnlySpan<byte> localUfrag, SocketAddress remote, IIceSocket socket, bool tcp)
    {
        if (datagram.Length > MaxDatagram || localUfrag.Length > MaxUfrag || remote.Size > Slot.MaxAddress)
        {
            return false;
        }
        lock (_gate)
        {
            _slots ??= new Slot?[Capacity];
            Slot slot = _slots[_next] ??= new Slot();
            _next = (_next + 1) % Capacity;
            // The check it overwrites was never claimed: now it is a drop, counted where it arrived.
            if (slot.Socket is { } unclaimed)
            {
                unclaimed.Drops.Increment(DropReason.StunUnknownUsername);
                Interlocked.Increment(ref _expired);
            }
            datagram.CopyTo(slot.Datagram);
            slot.Length = datagram.Length;
            localUfrag.CopyTo(slot.Ufrag);
            slot.UfragLength = localUfrag.Length;
            remote.Buffer.Span[..remote.Size].CopyTo(slot.Address);
            slot.Family = remote.Family;
            slot.AddressSize = remote.Size;
            slot.Socket = socket;
            slot.Tcp = tcp;
            slot.At = _time.GetTimestamp();
        }
        Interlocked.Increment(ref _held);
        return true;
    }

    /// <summary>
    /// Hands every fresh held check for <paramref name="localUfrag"/> to <paramref name="process"/>, oldest first, and
    /// forgets them. Outside the receive path (the transport's owner, once), so it may allocate.
    /// </summary>
    public void Replay(string localUfrag, Action<byte[], SocketAddress, IIceSocket, bool> process)
    {
        List<(long At, byte[] Datagram, SocketAddress Remote, IIceSocket Socket, bool Tcp)> due = [];
        long now = _time.GetTimestamp();
        lock (_gate)
        {
            foreach (Slot? slot in _slots ?? [])
            {
                if (slot?.Socket is null || !System.Text.Ascii.Equals(slot.Ufrag.AsSpan(0, slot.UfragLength), localUfrag))
                {
                    continue;
                }
                if (_time.GetElapsedTime(slot.At, now) > MaxAge)
                {
                    slot.Socket.Drops.Increment(DropReason.StunUnknownUsername);
                    Interlocked.Increment(ref _expired);
                }
                else
                {
                    var remote = new SocketAddress(slot.Family, slot.AddressSize);
                    slot.Address.AsSpan(0, slot.AddressSize).CopyTo(remote.Buffer.Span);
                    due.Add((slot.At, slot.Datagram[..slot.Length], remote, slot.Socket, slot.Tcp));
                }
                slot.Socket = null;
            }
        }
        foreach (var check in due.OrderBy(c => c.At))
        {
            Interlocked.Increment(ref _replayed);
            process(check.Datagram, check.Remote, check.Socket, check.Tcp);
        }
    }

    private sealed class Slot
    {
        public const int MaxAddress = 32;

        public readonly byte[] Datagram = new byte[MaxDatagram];
        public readonly byte[] Ufrag = new byte[MaxUfrag];
        public readonly byte[] Address = new byte[MaxAddress];
        public int Length;
        public int UfragLength;
        public int AddressSize;
        public AddressFamily Family;
        public IIceSocket? Socket;
        public bool Tcp;
        public long At;
    }
}
