namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Picks the SSRCs the server sends with on one subscriber connection. All m= sections of a BUNDLE group
/// share one RTP session, so every SSRC must be unique within it, including the client's own (RFC 3550 §8,
/// RFC 8843 §9.1). Values come from a seeded SplitMix64 sequence, so a given seed gives the same SSRCs
/// (reproducible tests); the server seeds it from RandomNumberGenerator. 0 is never returned.
/// </summary>
internal sealed class OutgoingSsrcAllocator
{
    private readonly HashSet<uint> _used = [];
    private ulong _state;

    public OutgoingSsrcAllocator(ulong seed) => _state = seed;

    public int Count => _used.Count;

    public uint Allocate()
    {
        while (true)
        {
            uint candidate = (uint)(Next() >> 32);
            if (candidate != 0 && _used.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Marks an SSRC in use (e.g. one the client sends with) so it is never allocated.</summary>
    public void Reserve(uint ssrc) => _used.Add(ssrc);

    public bool IsUsed(uint ssrc) => _used.Contains(ssrc);

    // SplitMix64 (Steele, Lea, Flood 2014): a full-period 64-bit sequence with good mixing.
    private ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>The SplitMix64 output function: a bijective 64-bit mix.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
