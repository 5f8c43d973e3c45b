using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtp;

/// <summary>
/// Zero-copy reader over one RTP packet (RFC 3550 §5.1) with RFC 8285 header extensions.
/// <see cref="TryParse"/> validates every length once, so the accessors never read out of bounds.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |           synchronization source (SSRC) identifier            |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            contributing source (CSRC) identifiers             |
/// |                             ....                              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |      defined by profile       |           length              |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                        header extension                       |
/// </code>
/// </remarks>
public readonly ref struct RtpPacketView
{
    private readonly int _extensionOffset;
    private readonly int _extensionLength;

    private RtpPacketView(ReadOnlySpan<byte> packet, int headerLength, int extensionOffset, int extensionLength, int paddingLength)
    {
        Packet = packet;
        HeaderLength = headerLength;
        _extensionOffset = extensionOffset;
        _extensionLength = extensionLength;
        PaddingLength = paddingLength;
    }

    /// <summary>The whole packet as given to <see cref="TryParse"/>.</summary>
    public ReadOnlySpan<byte> Packet { get; }

    /// <summary>Fixed header + CSRCs + extension (with its 4-byte preamble), in bytes.</summary>
    public int HeaderLength { get; }

    /// <summary>Padding bytes at the end, including the count byte itself (RFC 3550 §5.1, P bit).</summary>
    public int PaddingLength { get; }

    public int Version => Packet[0] >> 6;
    public bool HasPadding => (Packet[0] & 0x20) != 0;
    public bool HasExtension => (Packet[0] & 0x10) != 0;
    public int CsrcCount => Packet[0] & 0x0F;
    public bool Marker => (Packet[1] & 0x80) != 0;
    public byte PayloadType => (byte)(Packet[1] & 0x7F);
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(Packet[2..]);
    public uint Timestamp => BinaryPrimitives.ReadUInt32BigEndian(Packet[4..]);
    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(Packet[8..]);

    /// <summary>The payload, between the header and the padding.</summary>
    public ReadOnlySpan<byte> Payload => Packet[HeaderLength..(Packet.Length - PaddingLength)];

    /// <summary>The "defined by profile" field of the extension (0xBEDE, 0x100X, or other); 0 without extension.</summary>
    public ushort ExtensionProfile => HasExtension ? BinaryPrimitives.ReadUInt16BigEndian(Packet[(_extensionOffset - 4)..]) : (ushort)0;

    /// <summary>The extension body after its 4-byte preamble (empty without extension).</summary>
    public ReadOnlySpan<byte> ExtensionData => Packet.Slice(_extensionOffset, _extensionLength);

    /// <summary>RFC 8285 form of the extension block, or <see cref="RtpExtensionForm.None"/>.</summary>
    public RtpExtensionForm ExtensionForm => HasExtension ? RtpExtensionReader.FormOf(ExtensionProfile) : RtpExtensionForm.None;

    public uint GetCsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(Packet[(RtpHeader.FixedLength + (4 * index))..]);

    /// <summary>Elements of the RFC 8285 extension block, in wire order.</summary>
    public RtpExtensionReader Extensions => new(ExtensionData, ExtensionForm);

    /// <summary>Finds the RFC 8285 element with local <paramref name="id"/> (1..14 one-byte, 1..255 two-byte).</summary>
    public bool TryGetExtension(byte id, out ReadOnlySpan<byte> value)
    {
        if (TryFindExtension(id, out int offset, out int length))
        {
            value = Packet.Slice(offset, length);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>
    /// Like <see cref="TryGetExtension"/> but returns the value's offset in <see cref="Packet"/>, so a forwarder can
    /// rewrite the value in place in its own writable copy (e.g. the transport-wide sequence number).
    /// </summary>
    public bool TryFindExtension(byte id, out int valueOffset, out int valueLength)
    {
        RtpExtensionReader reader = Extensions;
        while (reader.TryReadNext(out byte elementId, out int offset, out int length))
        {
            if (elementId == id)
            {
                valueOffset = _extensionOffset + offset;
                valueLength = length;
                return true;
            }
        }
        valueOffset = 0;
        valueLength = 0;
        return false;
    }

    /// <summary>Validates and wraps <paramref name="packet"/>. Total: never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpPacketView view, out DropReason reason)
    {
        view = default;
        if (packet.Length < RtpHeader.FixedLength)
        {
            reason = DropReason.Truncated;
            return false;
        }
        // RFC 3550 §5.1: V is always 2.
        if (packet[0] >> 6 != RtpHeader.Version)
        {
            reason = DropReason.RtpBadVersion;
            return false;
        }
        int headerLength = RtpHeader.FixedLength + (4 * (packet[0] & 0x0F));
        if (packet.Length < headerLength)
        {
            reason = DropReason.Truncated;
            return false;
        }

        int extensionOffset = headerLength;
        int extensionLength = 0;
        if ((packet[0] & 0x10) != 0)
        {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words excluding the preamble.
            if (packet.Length < headerLength + 4)
            {
                reason = DropReason.Truncated;
                return false;
            }
            ushort profile = BinaryPrimitives.ReadUInt16BigEndian(packet[headerLength..]);
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(headerLength + 2)..]);
            extensionOffset = headerLength + 4;
            headerLength = extensionOffset + extensionLength;
            if (packet.Length < headerLength)
            {
                reason = DropReason.Truncated;
                return false;
            }
            // RFC 8285 §4: every element must lie inside the block.
            var reader = new RtpExtensionReader(packet.Slice(extensionOffset, extensionLength), RtpExtensionReader.FormOf(profile));
            while (reader.TryReadNext(out _, out _, out _))
            {
            }
            if (reader.Malformed)
            {
                reason = DropReason.RtpBadExtension;
                return false;
            }
        }

        int paddingLength = 0;
        if ((packet[0] & 0x20) != 0)
        {
            // RFC 3550 §5.1: the last octet counts the padding, itself included, so it is at least 1.
            paddingLength = packet[^1];
            if (paddingLength == 0 || paddingLength > packet.Length - headerLength)
            {
                reason = DropReason.RtpBadPadding;
                return false;
            }
        }

        view = new RtpPacketView(packet, headerLength, extensionOffset, extensionLength, paddingLength);
        reason = DropReason.None;
        return true;
    }
}
