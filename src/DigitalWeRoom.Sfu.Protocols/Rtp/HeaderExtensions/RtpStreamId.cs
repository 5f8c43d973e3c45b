namespace DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

/// <summary>
/// urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id (RFC 8852 §3.1): the simulcast RID as ASCII.
/// RFC 8851 §10 grammar: rid-id = 1*(alpha-numeric / "-" / "_").
/// </summary>
internal static class RtpStreamId
{
    public const string Uri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";

    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rid) => RidText.TryRead(value, out rid);

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> rid) => RidText.Write(destination, rid);
}

/// <summary>
/// urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id (RFC 8852 §3.2): the RID of the stream an RTX/FEC
/// packet repairs.
/// </summary>
internal static class RepairedRtpStreamId
{
    public const string Uri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rid) => RidText.TryRead(value, out rid);

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> rid) => RidText.Write(destination, rid);
}

internal static class RidText
{
    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> rid)
    {
        if (!SdesText.TryRead(value, out rid))
        {
            return false;
        }
        foreach (byte b in rid)
        {
            bool ok = b is (>= (byte)'0' and <= (byte)'9') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (byte)'-' or (byte)'_';
            if (!ok)
            {
                rid = default;
                return false;
            }
        }
        return true;
    }

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> rid) => TryRead(rid, out ReadOnlySpan<byte> ok) && ok.Length == rid.Length ? SdesText.Write(destination, rid) : 0;
}
