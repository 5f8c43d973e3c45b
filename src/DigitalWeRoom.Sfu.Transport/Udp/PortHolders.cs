using System.Globalization;
using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// How many UDP sockets of this network namespace hold a local port where a bind to an address would meet them, read
/// from the kernel's tables (/proc/net/udp and /proc/net/udp6, Linux). SO_REUSEPORT lets a bind join a group that a
/// socket of the same user already holds, and the kernel says nothing about it: counting the holders after binding is
/// the only way to learn the port is not ours alone. Start-up only (reads the whole table).
/// </summary>
internal static class PortHolders
{
    /// <summary>
    /// Sockets on <paramref name="port"/> that a bind to <paramref name="address"/> shares the port with (same address,
    /// or either side a wildcard); null where the tables cannot be read (not Linux).
    /// </summary>
    public static int? Count(IPAddress address, int port)
    {
        int count = 0;
        bool read = false;
        foreach (string table in (ReadOnlySpan<string>)["/proc/net/udp", "/proc/net/udp6"])
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            read = true;
            for (int i = 1; i < lines.Length; i++)
            {
                if (TryParseLocal(lines[i], out IPAddress? local, out int localPort) && localPort == port && Meets(address, local))
                {
                    count++;
                }
            }
        }
        return read ? count : null;
    }

    /// <summary>Two binds on one port meet when they name the same address or either is a wildcard.</summary>
    private static bool Meets(IPAddress ours, IPAddress theirs) =>
        IsWildcard(ours) || IsWildcard(theirs) || ours.Equals(theirs)
        || (ours.IsIPv4MappedToIPv6 ? ours.MapToIPv4() : ours).Equals(theirs.IsIPv4MappedToIPv6 ? theirs.MapToIPv4() : theirs);

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>
    /// One table row, e.g. <c>"  12: 0100007F:1F90 00000000:0000 07 ..."</c>: the local address is printed as 32-bit
    /// words in host byte order (one for IPv4, four for IPv6), then the port in hex.
    /// </summary>
    internal static bool TryParseLocal(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        ReadOnlySpan<char> rest = line.AsSpan().TrimStart();
        int space = rest.IndexOf(' ');
        if (space < 0)
        {
            return false;
        }
        rest = rest[(space + 1)..].TrimStart();
        int end = rest.IndexOf(' ');
        ReadOnlySpan<char> local = end < 0 ? rest : rest[..end];
        int colon = local.IndexOf(':');
        ReadOnlySpan<char> hex = colon < 0 ? default : local[..colon];
        if ((hex.Length != 8 && hex.Length != 32)
            || !int.TryParse(local[(colon + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out port))
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            if (!uint.TryParse(hex.Slice(word * 8, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint value))
            {
                return false;
            }
            MemoryMarshal.Write(bytes[(word * 4)..], in value);
        }
        address = new IPAddress(bytes);
        return true;
    }
}
