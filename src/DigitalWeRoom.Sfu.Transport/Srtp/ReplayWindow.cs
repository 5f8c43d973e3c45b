using System.Runtime.CompilerServices;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// Replay list of RFC 3711 §3.3.2 as a sliding window of the last <see cref="Size"/> packet indices, kept as a
/// ring of bits (bit <c>index mod Size</c>) behind the highest authenticated index. <see cref="Check"/> is called
/// before authentication and <see cref="Commit"/> only after it succeeded, so forged packets never move it.
/// </summary>
internal struct ReplayWindow
{
    /// <summary>Window size in packets (RFC 3711 §3.3.2 asks for at least 64; video bursts want more).</summary>
    public const int Size = 1024;

    private const int Words = Size / 64;

    private Bitmap _bits;

    /// <summary>Whether any index has been committed.</summary>
    public bool Initialized { get; private set; }

    /// <summary>Highest committed index (valid once <see cref="Initialized"/>).</summary>
    public ulong Highest { get; private set; }

    /// <summary>Classifies <paramref name="index"/> without changing the window.</summary>
    public readonly DropReason Check(ulong index)
    {
        if (!Initialized || index > Highest)
        {
            return DropReason.None;
        }

        ulong behind = Highest - index;
        if (behind >= Size)
        {
            return DropReason.SrtpTooOld;
        }

        int bit = (int)(index % Size);
        return (_bits[bit >> 6] & (1UL << (bit & 63))) != 0 ? DropReason.SrtpReplay : DropReason.None;
    }

    /// <summary>Records <paramref name="index"/> as received; advances the window when it is the new highest.</summary>
    public void Commit(ulong index)
    {
        if (!Initialized)
        {
            ((Span<ulong>)_bits).Clear();
            Initialized = true;
            Highest = index;
        }
        else if (index > Highest)
        {
            ulong ahead = index - Highest;
            if (ahead >= Size)
            {
                ((Span<ulong>)_bits).Clear();
            }
            else
            {
                // Forget the indices the window slides over: (Highest, index].
                for (ulong i = Highest + 1; i <= index; i++)
                {
                    int b = (int)(i % Size);
                    _bits[b >> 6] &= ~(1UL << (b & 63));
                }
            }

            Highest = index;
        }

        int bit = (int)(index % Size);
        _bits[bit >> 6] |= 1UL << (bit & 63);
    }

    [InlineArray(Words)]
    private struct Bitmap
    {
        private ulong _element;
    }
}
