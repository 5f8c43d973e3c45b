using System.Net.NetworkInformation;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// One socket of a wildcard-bound port that is bound to one of the host's own addresses on the same port. RFC 8445
/// §7.2.5.2.1: a check's response must come from the address and port the request was sent to, and the peer's ICE
/// agent drops one that does not. A wildcard socket cannot promise that on a multi-homed host: the kernel picks the
/// source of each reply by route, so a check that arrived on address B may be answered from address A. With a socket
/// per address (SO_REUSEPORT beside the wildcard one; Linux delivers a datagram to the most specific bound socket),
/// what arrives on B is read from B's socket, and the pair it validates sends its answers, DTLS and SRTP through that
/// socket, from B. The wildcard socket still receives what is sent to an address that appeared after start-up.
/// </summary>
internal sealed class UdpAddressSocket(UdpEndpoint port, Socket socket) : IIceSocket
{
    public Socket Socket { get; } = socket;

    public DropCounters Drops => port.Drops;

    public bool Send(ReadOnlySpan<byte> packet, SocketAddress remote) => port.SendTo(Socket, packet, remote);

    /// <summary>
    /// The host's unicast addresses a wildcard bind of <paramref name="wildcard"/> receives on (<c>0.0.0.0</c>: IPv4;
    /// <c>::</c> dual-stack: IPv4 and IPv6), loopback included; IPv6 link-local ones (which need a scope to bind) and
    /// multicast are left to the wildcard socket.
    /// </summary>
    public static IReadOnlyList<IPAddress> LocalAddresses(IPAddress wildcard)
    {
        bool v6 = wildcard.Equals(IPAddress.IPv6Any);
        return [.. NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(u => u.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork
                || (v6 && a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv6LinkLocal && !a.IsIPv6Multicast && !a.IsIPv4MappedToIPv6))
            .Distinct()];
    }
}
