using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>What <see cref="Rfc4571FrameReader.TryRead"/> found.</summary>
internal enum FrameStatus : byte
{
    /// <summary>Not a whole frame yet: receive more into <see cref="Rfc4571FrameReader.Writable"/>.</summary>
    NeedMore = 0,

    /// <summary>A whole frame of at most the size limit.</summary>
    Frame = 1,

    /// <summary>A frame over the size limit: its bytes are skipped (also across receives), one count per frame.</summary>
    Oversize = 2,

    /// <summary>A zero-length frame (allowed by the RFC, carries nothing).</summary>
    Empty = 3,
}

/// <summary>
/// RFC 4571 §2 framing of one TCP byte stream (used by ICE-TCP, RFC 6544 §3): every packet is preceded by a 16-bit
/// big-endian LENGTH. The reader owns one fixed buffer; frames may arrive split over several receives or coalesced in
/// one, and a frame larger than <c>maxFrame</c> is skipped without being buffered.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// -----------------------------------------------------------------
/// |             LENGTH            |  RTP or RTCP packet ...       |
/// -----------------------------------------------------------------
/// </code>
/// </summary>
internal sealed class Rfc4571FrameReader
{
    public const int HeaderLength = 2;

    private readonly byte[] _buffer;
    private readonly int _maxFrame;
    private int _start;
    private int _end;
    private int _skip;

    /// <param name="maxFrame">Largest frame kept; the buffer holds at least one header plus such a frame.</param>
    /// <param name="bufferSize">Receive buffer (bounded, per connection).</param>
    public Rfc4571FrameReader(int maxFrame, int bufferSize)
    {
        _maxFrame = maxFrame;
        _buffer = new byte[Math.Max(bufferSize, HeaderLength + maxFrame)];
    }

    /// <summary>Where the next receive writes (never empty while a frame is incomplete).</summary>
    public Memory<byte> Writable
    {
        get
        {
            if (_start > 0 && (_start == _end || _buffer.Length - _end < HeaderLength + _maxFrame))
            {
                // Move the partial frame to the front so a whole maximal frame always fits behind it.
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            return _buffer.AsMemory(_end);
        }
    }

    /// <summary>Bytes buffered and not yet returned as frames.</summary>
    public int Buffered => _end - _start;

    /// <summary>Records <paramref name="count"/> bytes received into <see cref="Writable"/>.</summary>
    public void Advance(int count)
    {
        if (count < 0 || count > _buffer.Length - _end)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _end += count;
        if (_skip > 0)
        {
            int skipped = Math.Min(_skip, _end - _start);
            _start += skipped;
            _skip -= skipped;
        }
    }

    /// <summary>The next frame, if whole. The span is valid until the next <see cref="Writable"/>.</summary>
    public FrameStatus TryRead(out ReadOnlySpan<byte> frame)
    {
        frame = default;
        if (_skip > 0)
        {
            return FrameStatus.NeedMore;
        }
        int available = _end - _start;
        if (available < HeaderLength)
        {
            return FrameStatus.NeedMore;
        }
        int length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start));
        if (length > _maxFrame)
        {
            int here = Math.Min(available - HeaderLength, length);
            _start += HeaderLength + here;
            _skip = length - here;
            return FrameStatus.Oversize;
        }
        if (available < HeaderLength + length)
        {
            return FrameStatus.NeedMore;
        }
        frame = _buffer.AsSpan(_start + HeaderLength, length);
        _start += HeaderLength + length;
        return length == 0 ? FrameStatus.Empty : FrameStatus.Frame;
    }

    /// <summary>Writes the LENGTH prefix of a <paramref name="length"/>-byte packet.</summary>
    public static void WriteHeader(Span<byte> destination, int length) =>
        BinaryPrimitives.WriteUInt16BigEndian(destination, checked((ushort)length));
}
