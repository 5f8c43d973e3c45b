using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Fuzz;

/// <summary>
/// Structure-blind mutations of seed inputs for the built-in mutation mode: bit flips, interesting bytes,
/// truncation, splicing, length-field fuzzing (16- and 8-bit fields set to boundary values), chunk insert,
/// delete and duplicate, dictionary tokens. Deterministic for a given seed.
/// </summary>
public sealed class Mutator
{
    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x02, 0x03, 0x04, 0x0F, 0x10, 0x1F, 0x20, 0x3F, 0x40, 0x7F, 0x80, 0x81, 0xBE, 0xDE, 0xFE, 0xFF];

    private readonly Random _random;
    private readonly IReadOnlyList<byte[]> _seeds;
    private readonly IReadOnlyList<byte[]> _dictionary;
    private readonly int _maxLength;

    public Mutator(int seed, IReadOnlyList<byte[]> seeds, IReadOnlyList<byte[]> dictionary, int maxLength = 70_000)
    {
        if (seeds.Count == 0)
        {
            throw new ArgumentException("at least one seed is needed", nameof(seeds));
        }

        _random = new Random(seed);
        _seeds = seeds;
        _dictionary = dictionary;
        _maxLength = maxLength;
    }

    /// <summary>Writes the next mutant into <paramref name="buffer"/> (resized as needed); returns its length.</summary>
    public int Next(ref byte[] buffer)
    {
        byte[] original = _seeds[_random.Next(_seeds.Count)];
        EnsureCapacity(ref buffer, original.Length);
        original.CopyTo(buffer, 0);
        int length = original.Length;
        int rounds = 1 + (_random.Next(4) == 0 ? _random.Next(8) : _random.Next(3));
        for (int r = 0; r < rounds; r++)
        {
            length = MutateOnce(ref buffer, length);
        }

        return length;
    }

    private int MutateOnce(ref byte[] buffer, int length)
    {
        switch (_random.Next(12))
        {
            case 0 when length > 0:
                // Flip 1-8 bits.
                for (int i = 1 + _random.Next(8); i > 0; i--)
                {
                    buffer[_random.Next(length)] ^= (byte)(1 << _random.Next(8));
                }

                return length;
            case 1 when length > 0:
                buffer[_random.Next(length)] = InterestingBytes[_random.Next(InterestingBytes.Length)];
                return length;
            case 2 when length > 0:
                buffer[_random.Next(length)] = (byte)_random.Next(256);
                return length;
            case 3:
                // Truncate: often near the end, sometimes anywhere.
                return _random.Next(2) == 0 ? Math.Max(0, length - 1 - _random.Next(Math.Min(length, 8) + 1)) : _random.Next(length + 1);
            case 4:
                return Splice(ref buffer, length);
            case 5 when length >= 2:
                // A 16-bit big-endian length field set to a boundary value relative to the input.
                int at16 = _random.Next(length - 1);
                int remaining = length - at16;
                int[] values16 = [0, 1, 2, 3, 4, remaining, remaining - 2, remaining + 1, remaining / 4, (remaining / 4) + 1, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE, _random.Next(65536)];
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(at16), (ushort)values16[_random.Next(values16.Length)]);
                return length;
            case 6 when length >= 1:
                // An 8-bit length or count field.
                int at8 = _random.Next(length);
                int[] values8 = [0, 1, 2, 15, 16, 31, 127, 128, 255, length - at8, length - at8 - 1];
                buffer[at8] = (byte)values8[_random.Next(values8.Length)];
                return length;
            case 7:
                return Insert(ref buffer, length, RandomChunk());
            case 8 when length > 0:
                // Delete a range.
                int from = _random.Next(length);
                int count = 1 + _random.Next(Math.Min(length - from, 64));
                buffer.AsSpan(from + count, length - from - count).CopyTo(buffer.AsSpan(from));
                return length - count;
            case 9 when length > 0:
                // Duplicate a chunk in place (repeated TLVs, repeated lines).
                int start = _random.Next(length);
                int size = 1 + _random.Next(Math.Min(length - start, 128));
                return Insert(ref buffer, length, buffer.AsSpan(start, size).ToArray());
            case 10 when _dictionary.Count > 0:
                return Insert(ref buffer, length, _dictionary[_random.Next(_dictionary.Count)]);
            case 11 when _random.Next(16) == 0:
                // Pure noise, rarely.
                int noise = _random.Next(512);
                EnsureCapacity(ref buffer, noise);
                _random.NextBytes(buffer.AsSpan(0, noise));
                return noise;
            default:
                return length;
        }
    }

    private byte[] RandomChunk()
    {
        var chunk = new byte[1 + _random.Next(16)];
        _random.NextBytes(chunk);
        return chunk;
    }

    private int Splice(ref byte[] buffer, int length)
    {
        byte[] other = _seeds[_random.Next(_seeds.Count)];
        int cut = _random.Next(length + 1);
        int otherFrom = _random.Next(other.Length + 1);
        int total = Math.Min(cut + other.Length - otherFrom, _maxLength);
        EnsureCapacity(ref buffer, total);
        other.AsSpan(otherFrom, total - cut).CopyTo(buffer.AsSpan(cut));
        return total;
    }

    private int Insert(ref byte[] buffer, int length, ReadOnlySpan<byte> chunk)
    {
        if (length + chunk.Length > _maxLength)
        {
            return length;
        }

        int at = _random.Next(length + 1);
        EnsureCapacity(ref buffer, length + chunk.Length);
        buffer.AsSpan(at, length - at).CopyTo(buffer.AsSpan(at + chunk.Length));
        chunk.CopyTo(buffer.AsSpan(at));
        return length + chunk.Length;
    }

    private static void EnsureCapacity(ref byte[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            Array.Resize(ref buffer, Math.Max(length, buffer.Length * 2));
        }
    }
}
