using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// The remote half of a UDP 5-tuple (our local address and port are fixed per socket) as a value
/// type, built from a <see cref="SocketAddress"/>'s raw sockaddr bytes without allocating. IPv4
/// addresses are stored IPv4-mapped (::ffff:a.b.c.d) so that a dual-stack socket and an IPv4 socket
/// produce equal keys for the same peer.
/// </summary>
public readonly record struct TransportTuple(ulong AddressHigh, ulong AddressLow, ushort Port, uint ScopeId)
{
    private const ulong MappedPrefix = 0x0000_FFFF_0000_0000UL;

    /// <summary>
    /// The remote end of an ICE-TCP connection (RFC 6544) rather than of the UDP port: a TCP peer's address and port
    /// never validate UDP datagrams from the same numbers, nor the reverse.
    /// </summary>
    public bool IsTcp { get; init; }

    public bool IsIPv4Mapped => AddressHigh == 0 && (AddressLow & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix;

    /// <summary>Reads the family, port and address from sockaddr_in / sockaddr_in6 bytes.</summary>
    public static bool TryFrom(SocketAddress address, out TransportTuple tuple)
    {
        ReadOnlySpan<byte> raw = address.Buffer.Span[..address.Size];
        switch (address.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= 8:
                tuple = new TransportTuple(0, MappedPrefix | BinaryPrimitives.ReadUInt32BigEndian(raw[4..]),
                    BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), 0);
                return true;
            case AddressFamily.InterNetworkV6 when raw.Length >= 28:
                ulong high = BinaryPrimitives.ReadUInt64BigEndian(raw[8..]);
                ulong low = BinaryPrimitives.ReadUInt64BigEndian(raw[16..]);
                uint scope = MemoryMarshalScope(raw[24..]);
                tuple = new TransportTuple(high, low, BinaryPrimitives.ReadUInt16BigEndian(raw[2..]),
                    high == 0 && (low & 0xFFFF_FFFF_0000_0000UL) == MappedPrefix ? 0 : scope);
                return true;
            default:
                tuple = default;
                return false;
        }
    }

    public static TransportTuple From(IPEndPoint endPoint)
    {
        Span<byte> bytes = stackalloc byte[16];
        IPAddress ip = endPoint.Address.AddressFamily == AddressFamily.InterNetwork
            ? endPoint.Address.MapToIPv6()
            : endPoint.Address;
        ip.TryWriteBytes(bytes, out _);
        bool mapped = ip.IsIPv4MappedToIPv6;
        return new TransportTuple(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            (ushort)endPoint.Port, mapped ? 0 : (uint)ip.ScopeId);
    }

    /// <summary>
    /// Writes the address bytes: 4 for IPv4 (also for IPv4-mapped), 16 for IPv6. Returns the count.
    /// </summary>
    public int WriteAddress(Span<byte> destination)
    {
        if (IsIPv4Mapped)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)AddressLow);
            return 4;
        }
        BinaryPrimitives.WriteUInt64BigEndian(destination, AddressHigh);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], AddressLow);
        return 16;
    }

    /// <summary>Allocates an endpoint (control path only: logs, nomination).</summary>
    public IPEndPoint ToIPEndPoint()
    {
        Span<byte> bytes = stackalloc byte[16];
        int n = WriteAddress(bytes);
        var ip = n == 4 ? new IPAddress(bytes[..4]) : new IPAddress(bytes, ScopeId);
        return new IPEndPoint(ip, Port);
    }

    public override string ToString() => IsTcp ? "tcp:" + ToIPEndPoint() : ToIPEndPoint().ToString();

    private static uint MemoryMarshalScope(ReadOnlySpan<byte> raw) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(raw) : BinaryPrimitives.ReadUInt32BigEndian(raw);
}
