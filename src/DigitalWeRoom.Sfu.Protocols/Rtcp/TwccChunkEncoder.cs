using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Packs status symbols into transport-wide feedback chunks
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.3, §3.1.4): a run length chunk while all symbols
/// are equal, otherwise a 14×1-bit vector when no large delta is pending, else a 7×2-bit vector.
/// </summary>
internal ref struct TwccChunkEncoder
{
    private const int MaxRunLength = 0x1FFF;
    private const int OneBitCapacity = 14;
    private const int TwoBitCapacity = 7;
    private readonly Span<byte> _destination;
    private uint _packed; // symbol k at bits 2k..2k+1 (the first 14 only)
    private int _size;
    private bool _allSame;
    private bool _hasLarge;

    public TwccChunkEncoder(Span<byte> destination, int position)
    {
        _destination = destination;
        Position = position;
    }

    /// <summary>Where the next chunk goes (after <see cref="Flush"/>: the end of the chunks).</summary>
    public int Position { get; private set; }

    public bool Add(int symbol)
    {
        if (!CanAdd(symbol) && !Emit())
        {
            return false;
        }
        Append(symbol);
        return true;
    }

    public bool Flush()
    {
        if (_size == 0)
        {
            return true;
        }
        if (_allSame)
        {
            return WriteChunk((ushort)((First << 13) | _size));
        }
        // Unused trailing symbols are 0 (not received) and lie beyond the packet status count.
        return _size <= TwoBitCapacity ? WriteTwoBit(_size) : WriteOneBit(_size);
    }

    private readonly int First => (int)(_packed & 3);

    private readonly bool CanAdd(int symbol)
    {
        if (_size < TwoBitCapacity)
        {
            return true;
        }
        if (_size < OneBitCapacity && !_hasLarge && symbol != 2)
        {
            return true;
        }
        return _allSame && symbol == First && _size < MaxRunLength;
    }

    private void Append(int symbol)
    {
        if (_size == 0)
        {
            _allSame = true;
            _hasLarge = false;
            _packed = 0;
        }
        else if (symbol != First)
        {
            _allSame = false;
        }
        if (_size < OneBitCapacity)
        {
            _packed |= (uint)symbol << (2 * _size);
        }
        _hasLarge |= symbol == 2;
        _size++;
    }

    private bool Emit()
    {
        if (_allSame)
        {
            if (!WriteChunk((ushort)((First << 13) | _size)))
            {
                return false;
            }
            _size = 0;
            return true;
        }
        if (_size == OneBitCapacity)
        {
            if (!WriteOneBit(_size))
            {
                return false;
            }
            _size = 0;
            return true;
        }
        if (!WriteTwoBit(TwoBitCapacity))
        {
            return false;
        }
        // Keep the symbols after the first seven.
        uint rest = _packed >> (2 * TwoBitCapacity);
        int restSize = _size - TwoBitCapacity;
        _size = 0;
        for (int k = 0; k < restSize; k++)
        {
            Append((int)(rest >> (2 * k)) & 3);
        }
        return true;
    }

    private bool WriteOneBit(int symbols)
    {
        int chunk = 0x8000;
        for (int k = 0; k < symbols; k++)
        {
            chunk |= (int)((_packed >> (2 * k)) & 1) << (13 - k);
        }
        return WriteChunk((ushort)chunk);
    }

    private bool WriteTwoBit(int symbols)
    {
        int chunk = 0xC000;
        for (int k = 0; k < symbols; k++)
        {
            chunk |= (int)((_packed >> (2 * k)) & 3) << (12 - (2 * k));
        }
        return WriteChunk((ushort)chunk);
    }

    private bool WriteChunk(ushort chunk)
    {
        if (Position + 2 > _destination.Length)
        {
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(_destination[Position..], chunk);
        Position += 2;
        return true;
    }
}
