using System.Net;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// The key per-client limits count under: an IPv4 address as it is (also when it arrives IPv4-mapped on a dual-stack
/// socket), and for IPv6 its /64 prefix, because one host or one home network is routinely given a whole /64
/// (RFC 7421 §1) and could otherwise take a fresh address, and a fresh budget, for each attempt. The address is the
/// one the trusted proxy reported when the request came through it (<see cref="Proxy.TrustedProxyExtensions"/>).
/// </summary>
internal static class ClientAddressKey
{
    public static IPAddress For(IPAddress? address)
    {
        if (address is null)
        {
            return IPAddress.None;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
