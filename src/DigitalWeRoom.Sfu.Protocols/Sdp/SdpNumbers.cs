using System.Globalization;

namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>Strict decimal parsing for SDP fields: digits only, no sign, no spaces, invariant culture.</summary>
internal static class SdpNumbers
{
    public static bool TryParseInt(ReadOnlySpan<char> text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseUInt(ReadOnlySpan<char> text, out uint value) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParseULong(ReadOnlySpan<char> text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    public static bool TryParsePort(ReadOnlySpan<char> text, out int port) =>
        TryParseInt(text, out port) && port <= ushort.MaxValue;

    public static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Format(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
