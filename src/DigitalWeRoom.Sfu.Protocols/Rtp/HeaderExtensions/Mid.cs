namespace DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

/// <summary>
/// urn:ietf:params:rtp-hdrext:sdes:mid (RFC 8843 §15, RFC 7941): the media identification tag as ASCII bytes.
/// </summary>
internal static class Mid
{
    public const string Uri = "urn:ietf:params:rtp-hdrext:sdes:mid";

    /// <summary>Validates the value and returns the tag without trailing NUL padding. No allocation.</summary>
    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> mid) => SdesText.TryRead(value, out mid);

    /// <summary>Copies <paramref name="mid"/> into <paramref name="destination"/>; returns its length, 0 if invalid or too small.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<byte> mid) => SdesText.Write(destination, mid);
}

/// <summary>Shared rules for SDES-item header extensions (RFC 7941 §4): 1..255 printable ASCII bytes.</summary>
internal static class SdesText
{
    public static bool TryRead(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> text)
    {
        // NOTE: some senders pad the item with NUL bytes; RFC 7941 §4.1 lets the receiver ignore them.
        int end = value.Length;
        while (end > 0 && value[end - 1] == 0)
        {
            end--;
        }
        text = value[..end];
        if (end == 0)
        {
            return false;
        }
        foreach (byte b in text)
        {
            if (b is < 0x21 or > 0x7E)
            {
                text = default;
                return false;
            }
        }
        return true;
    }

    public static int Write(Span<byte> destination, ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty || text.Length > 255 || !TryRead(text, out ReadOnlySpan<byte> checkedText) || checkedText.Length != text.Length || !text.TryCopyTo(destination))
        {
            return 0;
        }
        return text.Length;
    }
}
