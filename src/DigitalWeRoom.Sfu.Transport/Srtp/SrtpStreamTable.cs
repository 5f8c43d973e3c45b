using System.Runtime.CompilerServices;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// Per-SSRC SRTP state (RFC 3711 §3.2.3: each SSRC has its own ROC and replay list) in a small open-addressed
/// table with a hard cap of <see cref="MaxStreams"/> SSRCs, so a peer cannot make us grow without bound.
/// Entries are only added after a packet of that SSRC authenticated (or was protected by us).
/// One table belongs to one thread (the context keeps separate RTP and RTCP tables). Entries and slots start small
/// and double as SSRCs appear (slots at most half full), up to the cap.
/// </summary>
internal sealed class SrtpStreamTable
{
    /// <summary>
    /// Most SSRCs the peer may make one context track (simulcast layers, RTX and audio of one publisher fit many times
    /// over): the cap of what we unprotect.
    /// </summary>
    public const int MaxStreams = 64;

    /// <summary>
    /// Most SSRCs of our own that one context protects: one per consumer (audio, video, RTX), so a subscriber of a
    /// large meeting sends far more than a publisher does (60 participants: 59 microphones plus the videos last-N
    /// forwards). The SSRCs are the server's; the room's limits bound how many a subscriber gets.
    /// </summary>
    public const int MaxSentStreams = 4096;

    private readonly int _maxStreams;
    private int[] _slots = new int[8]; // 0 = empty, else entry index + 1; power of two, at most half full.
    private int _shift = 32 - 3;
    private Entry[] _entries = new Entry[4];
    private int _count;

    /// <param name="maxStreams">The cap (<see cref="MaxStreams"/> for a peer's streams, <see cref="MaxSentStreams"/> for ours).</param>
    public SrtpStreamTable(int maxStreams = MaxStreams)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreams, 1);
        _maxStreams = maxStreams;
    }

    /// <summary>Number of SSRCs tracked.</summary>
    public int Count => _count;

    /// <summary>Most SSRCs this table tracks.</summary>
    public int Capacity => _maxStreams;

    /// <summary>The state of <paramref name="ssrc"/>, or a null reference when it has none yet.</summary>
    public ref Entry Find(uint ssrc)
    {
        int[] slots = _slots;
        int slot = Hash(ssrc);
        while (true)
        {
            int e = slots[slot];
            if (e == 0)
            {
                return ref Unsafe.NullRef<Entry>();
            }

            ref Entry entry = ref _entries[e - 1];
            if (entry.Ssrc == ssrc)
            {
                return ref entry;
            }

            slot = (slot + 1) & (slots.Length - 1);
        }
    }

    /// <summary>
    /// Adds fresh state for an SSRC that <see cref="Find"/> did not return, or a null reference when the table is
    /// full. Grows the entry array (doubling, up to the cap) and the slots with it only when a new SSRC appears.
    /// </summary>
    public ref Entry Add(uint ssrc)
    {
        if (_count == _maxStreams)
        {
            return ref Unsafe.NullRef<Entry>();
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Min(_entries.Length * 2, _maxStreams));
        }

        if ((_count + 1) * 2 > _slots.Length)
        {
            Rehash(_slots.Length * 2);
        }

        Place(ssrc, _count);
        ref Entry entry = ref _entries[_count++];
        entry = default;
        entry.Ssrc = ssrc;
        return ref entry;
    }

    /// <summary>Removes every SSRC (keeps the arrays).</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Array.Clear(_entries);
        _count = 0;
    }

    /// <summary>Whether another SSRC could be added.</summary>
    public bool IsFull => _count == _maxStreams;

    private void Rehash(int slotCount)
    {
        _slots = new int[slotCount];
        _shift = 32 - System.Numerics.BitOperations.Log2((uint)slotCount);
        for (int i = 0; i < _count; i++)
        {
            Place(_entries[i].Ssrc, i);
        }
    }

    private void Place(uint ssrc, int index)
    {
        int slot = Hash(ssrc);
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & (_slots.Length - 1);
        }

        _slots[slot] = index + 1;
    }

    private int Hash(uint ssrc) => (int)((ssrc * 0x9E3779B1u) >> _shift); // Fibonacci hash to log2(slots) bits.

    /// <summary>State of one SSRC: the highest index (ROC and s_l) with its replay window.</summary>
    internal struct Entry
    {
        public uint Ssrc;
        public ReplayWindow Window;
    }
}
