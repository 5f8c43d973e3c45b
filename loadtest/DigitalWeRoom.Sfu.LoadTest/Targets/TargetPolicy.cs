using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// Which addresses the load generator may send to: loopback always (127.0.0.0/8, ::1); addresses in
/// 10.77.0.0/16 only when the caller says they live in a network namespace a test script created
/// (<c>--allow-netns-address</c>). Everything else is refused, so a mistyped target can never load a real host.
/// </summary>
internal static class TargetPolicy
{
    /// <summary>The only prefix test scripts use for veth pairs inside namespaces they create.</summary>
    public const string NetnsPrefix = "10.77.0.0/16";

    public static bool IsAllowed(IPAddress address, bool allowNetnsAddress, out string reason)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address))
        {
            reason = "";
            return true;
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> bytes = stackalloc byte[4];
            address.TryWriteBytes(bytes, out _);
            bool inNetns = bytes[0] == 10 && bytes[1] == 77;
            if (inNetns && allowNetnsAddress)
            {
                reason = "";
                return true;
            }
            if (inNetns)
            {
                reason = $"{address} is in {NetnsPrefix}: pass --allow-netns-address, and only for a namespace your test script created.";
                return false;
            }
        }
        reason = $"{address} is refused: the load generator targets only loopback (127.0.0.0/8, ::1) or, with --allow-netns-address, {NetnsPrefix} inside a test-made network namespace.";
        return false;
    }

    /// <summary>Checks a host name or literal: a name must resolve to allowed addresses only (and to at least one).</summary>
    public static bool IsAllowedHost(string host, bool allowNetnsAddress, out string reason)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            reason = "empty target host";
            return false;
        }
        if (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? literal))
        {
            return IsAllowed(literal, allowNetnsAddress, out reason);
        }
        if (!string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Names other than localhost are refused without resolving them: DNS could change under us.
            reason = $"host name '{host}' is refused: give an IP literal (loopback or, with --allow-netns-address, {NetnsPrefix}) or 'localhost'.";
            return false;
        }
        reason = "";
        return true;
    }

    public static bool IsAllowedUri(Uri uri, bool allowNetnsAddress, out string reason)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != "http" && uri.Scheme != "ws"))
        {
            reason = $"'{uri}' is refused: only http:// or ws:// to loopback or a test namespace.";
            return false;
        }
        return IsAllowedHost(uri.Host, allowNetnsAddress, out reason);
    }
}
