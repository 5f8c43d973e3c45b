using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

/// <summary>
/// http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: a 16-bit sequence number shared
/// by all media streams of one transport, the key of transport-wide feedback.
/// </summary>
public static class TransportWideSequenceNumber
{
    public const string Uri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public const int Length = 2;

    public static bool TryRead(ReadOnlySpan<byte> value, out ushort sequenceNumber)
    {
        if (value.Length != Length)
        {
            sequenceNumber = 0;
            return false;
        }
        sequenceNumber = BinaryPrimitives.ReadUInt16BigEndian(value);
        return true;
    }

    public static int Write(Span<byte> destination, ushort sequenceNumber) =>
        BinaryPrimitives.TryWriteUInt16BigEndian(destination, sequenceNumber) ? Length : 0;
}
