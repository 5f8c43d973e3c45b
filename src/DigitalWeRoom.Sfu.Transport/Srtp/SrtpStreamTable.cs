using System.Runtime.CompilerServices;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// Per-SSRC SRTP state (RFC 3711 §3.2.3: each SSRC has its own ROC and replay list) in a small open-addressed
/// table with a hard cap of <see cref="MaxStreams"/> SSRCs, so a peer cannot make us grow without bound.
/// Entries are only added after a packet of that SSRC authenticated (or was protected by us).
/// One table belongs to one thread (the context keeps separate RTP and RTCP tables).
/// </summary>
internal sealed class SrtpStreamTable
{
    /// <summary>Most SSRCs one context tracks (simulcast layers, RTX and audio fit many times over).</summary>
    public const int MaxStreams = 64;

    private const int SlotCount = 128; // Power of two, at most half full.

    private readonly byte[] _slots = new byte[SlotCount]; // 0 = empty, else entry index + 1.
    private Entry[] _entries = new Entry[4];
    private int _count;

    /// <summary>Number of SSRCs tracked.</summary>
    public int Count => _count;

    /// <summary>The state of <paramref name="ssrc"/>, or a null reference when it has none yet.</summary>
    public ref Entry Find(uint ssrc)
    {
        int slot = Hash(ssrc);
        while (true)
        {
            int e = _slots[slot];
            if (e == 0)
            {
                return ref Unsafe.NullRef<Entry>();
            }

            ref Entry entry = ref _entries[e - 1];
            if (entry.Ssrc == ssrc)
            {
                return ref entry;
            }

            slot = (slot + 1) & (SlotCount - 1);
        }
    }

    /// <summary>
    /// Adds fresh state for an SSRC that <see cref="Find"/> did not return, or a null reference when the table is
    /// full. Grows the entry array (doubling, up to <see cref="MaxStreams"/>) only when a new SSRC appears.
    /// </summary>
    public ref Entry Add(uint ssrc)
    {
        if (_count == MaxStreams)
        {
            return ref Unsafe.NullRef<Entry>();
        }

        if (_count == _entries.Length)
        {
            Array.Resize(ref _entries, Math.Min(_entries.Length * 2, MaxStreams));
        }

        int slot = Hash(ssrc);
        while (_slots[slot] != 0)
        {
            slot = (slot + 1) & (SlotCount - 1);
        }

        _slots[slot] = (byte)(_count + 1);
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
    public bool IsFull => _count == MaxStreams;

    private static int Hash(uint ssrc) => (int)((ssrc * 0x9E3779B1u) >> 25); // Fibonacci hash to 7 bits.

    /// <summary>State of one SSRC: the highest index (ROC and s_l) with its replay window.</summary>
    internal struct Entry
    {
        public uint Ssrc;
        public ReplayWindow Window;
    }
}
