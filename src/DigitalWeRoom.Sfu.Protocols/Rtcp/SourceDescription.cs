using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>SDES item types (RFC 3550 §6.5).</summary>
public enum SdesItemType : byte
{
    End = 0,
    Cname = 1,
    Name = 2,
    Email = 3,
    Phone = 4,
    Location = 5,
    Tool = 6,
    Note = 7,
    Private = 8,
}

/// <summary>
/// Source description (RFC 3550 §6.5): SC chunks, each an SSRC followed by items (type, length, text) and ended
/// by one or more zero octets up to the next 32-bit boundary.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    SC   |  PT=SDES=202  |             length            |
/// |                          SSRC/CSRC_1                          |
/// |    CNAME=1    |     length    | user and domain name        ...
/// </code>
/// </remarks>
public ref struct SourceDescription
{
    private readonly ReadOnlySpan<byte> _body;
    private int _position;
    private uint _chunkSsrc;
    private bool _inChunk;

    private SourceDescription(ReadOnlySpan<byte> body, int chunkCount)
    {
        _body = body;
        ChunkCount = chunkCount;
        _position = 0;
        _chunkSsrc = 0;
        _inChunk = false;
    }

    public int ChunkCount { get; }

    /// <summary>Validates every chunk (count, item lengths, 32-bit alignment) before returning the reader.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out SourceDescription sdes, out DropReason reason)
    {
        sdes = default;
        if (!RtcpHeader.TryParseBody(packet, RtcpPacketType.SourceDescription, out RtcpHeader header, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        var probe = new SourceDescription(body, header.Count);
        while (probe.TryReadNextItem(out _, out _, out _))
        {
        }
        if (probe.Malformed || probe.ChunksSeen != header.Count)
        {
            reason = DropReason.Malformed;
            return false;
        }
        sdes = new SourceDescription(body, header.Count);
        return true;
    }

    private bool Malformed { get; set; }

    private int ChunksSeen { get; set; }

    /// <summary>Next item of the packet with the SSRC of its chunk; false at the end.</summary>
    public bool TryReadNextItem(out uint ssrc, out SdesItemType type, out ReadOnlySpan<byte> text)
    {
        ssrc = 0;
        type = SdesItemType.End;
        text = default;
        while (!Malformed)
        {
            if (!_inChunk)
            {
                if (ChunksSeen == ChunkCount || _position >= _body.Length)
                {
                    return false;
                }
                if (_position + 4 > _body.Length)
                {
                    return Fail();
                }
                _chunkSsrc = BinaryPrimitives.ReadUInt32BigEndian(_body[_position..]);
                _position += 4;
                _inChunk = true;
                ChunksSeen++;
            }
            if (_position >= _body.Length)
            {
                return Fail();
            }
            byte itemType = _body[_position];
            if (itemType == 0)
            {
                // RFC 3550 §6.5: the list ends with a null octet, then zeros to the next 32-bit boundary.
                _position = (_position + 4) & ~3;
                if (_position > _body.Length)
                {
                    return Fail();
                }
                _inChunk = false;
                continue;
            }
            if (_position + 2 > _body.Length || _position + 2 + _body[_position + 1] > _body.Length)
            {
                return Fail();
            }
            int length = _body[_position + 1];
            ssrc = _chunkSsrc;
            type = (SdesItemType)itemType;
            text = _body.Slice(_position + 2, length);
            _position += 2 + length;
            return true;
        }
        return false;
    }

    private bool Fail()
    {
        Malformed = true;
        return false;
    }

    /// <summary>
    /// Writes an SDES with one chunk per SSRC, each carrying the same CNAME (1..255 bytes). Returns the length,
    /// 0 if it does not fit or the arguments are out of range.
    /// </summary>
    public static int WriteCname(Span<byte> destination, ReadOnlySpan<uint> ssrcs, ReadOnlySpan<byte> cname)
    {
        // Chunk: SSRC(4) + type(1) + length(1) + text, then 1..4 zero octets to a 32-bit boundary.
        int chunkLength = (4 + 2 + cname.Length + 4) & ~3;
        int length = RtcpHeader.Length + (ssrcs.Length * chunkLength);
        if (ssrcs.Length is 0 or > 31 || cname.IsEmpty || cname.Length > 255 || destination.Length < length)
        {
            return 0;
        }
        RtcpHeader.Write(destination, (byte)ssrcs.Length, RtcpPacketType.SourceDescription, length);
        int position = RtcpHeader.Length;
        foreach (uint ssrc in ssrcs)
        {
            Span<byte> chunk = destination.Slice(position, chunkLength);
            BinaryPrimitives.WriteUInt32BigEndian(chunk, ssrc);
            chunk[4] = (byte)SdesItemType.Cname;
            chunk[5] = (byte)cname.Length;
            cname.CopyTo(chunk[6..]);
            chunk[(6 + cname.Length)..].Clear();
            position += chunkLength;
        }
        return length;
    }
}
