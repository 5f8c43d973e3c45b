using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>One FIR FCI entry (RFC 5104 §4.3.1.1): the target SSRC and a command sequence number.</summary>
public readonly record struct FirEntry(uint Ssrc, byte SequenceNumber);

/// <summary>
/// Full intra request (RFC 5104 §4.3.1): PSFB FMT 4; the media source SSRC is 0 and the targets are in the FCI.
/// </summary>
/// <remarks>
/// <code>
/// |                              SSRC                             |
/// | Seq nr.       |    Reserved                                   |
/// </code>
/// </remarks>
public readonly ref struct FullIntraRequest
{
    private const int EntryLength = 8;
    private readonly ReadOnlySpan<byte> _fci;

    private FullIntraRequest(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<byte> fci)
    {
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
        _fci = fci;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public int EntryCount => _fci.Length / EntryLength;

    public FirEntry GetEntry(int index)
    {
        ReadOnlySpan<byte> entry = _fci[(index * EntryLength)..];
        return new FirEntry(BinaryPrimitives.ReadUInt32BigEndian(entry), entry[4]);
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out FullIntraRequest fir, out DropReason reason)
    {
        fir = default;
        if (!RtcpFeedback.TryParse(packet, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.FullIntraRequest, out uint sender, out uint media, out ReadOnlySpan<byte> fci, out reason))
        {
            return false;
        }
        // RFC 5104 §4.3.1.2: one or more 8-byte entries.
        if (fci.IsEmpty || fci.Length % EntryLength != 0)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        fir = new FullIntraRequest(sender, media, fci);
        return true;
    }

    /// <summary>Writes a FIR (media SSRC 0 per RFC 5104 §4.3.1.2); returns the length, 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ReadOnlySpan<FirEntry> entries)
    {
        int length = RtcpFeedback.HeaderLength + (entries.Length * EntryLength);
        if (entries.IsEmpty || destination.Length < length)
        {
            return 0;
        }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.FullIntraRequest, length, senderSsrc, 0);
        for (int i = 0; i < entries.Length; i++)
        {
            Span<byte> entry = destination[(RtcpFeedback.HeaderLength + (i * EntryLength))..];
            BinaryPrimitives.WriteUInt32BigEndian(entry, entries[i].Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(entry[4..], (uint)entries[i].SequenceNumber << 24);
        }
        return length;
    }
}
