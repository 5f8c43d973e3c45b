using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// XOR-MAPPED-ADDRESS value (RFC 8489 §14.2): the port XORed with the top 16 bits of the magic
/// cookie, an IPv4 address XORed with the cookie, an IPv6 address XORed with cookie ‖ transaction id.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0 0 0 0 0 0 0|    Family     |         X-Port                |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                X-Address (Variable)
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The <see cref="SocketAddress"/> overloads read and write the sockaddr bytes in place: the port
/// sits at offset 2 (network order), an IPv4 address at 4, an IPv6 address at 8, on every platform
/// .NET supports; the family header is copied from a template so its platform encoding is right.
/// </summary>
internal static class StunXorAddress
{
    public const byte FamilyIPv4 = 0x01;
    public const byte FamilyIPv6 = 0x02;
    public const int IPv4ValueLength = 8;
    public const int IPv6ValueLength = 20;

    private const int SockaddrPortOffset = 2;
    private const int SockaddrIPv4Offset = 4;
    private const int SockaddrIPv6Offset = 8;

    private static readonly SocketAddress s_v4Template = new(AddressFamily.InterNetwork);
    private static readonly SocketAddress s_v6Template = new(AddressFamily.InterNetworkV6);

    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, out IPEndPoint? endpoint)
    {
        endpoint = null;
        Span<byte> address = stackalloc byte[16];
        if (!TryDecode(value, transactionId, address, out int addressLength, out ushort port))
        {
            return false;
        }
        endpoint = new IPEndPoint(new IPAddress(address[..addressLength]), port);
        return true;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> (sized for IPv6, e.g. <c>new SocketAddress(AddressFamily.InterNetworkV6)</c>,
    /// to accept both families) without allocating. Its family and size are set to the decoded ones.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, SocketAddress destination)
    {
        Span<byte> address = stackalloc byte[16];
        if (!TryDecode(value, transactionId, address, out int addressLength, out ushort port))
        {
            return false;
        }
        SocketAddress template = addressLength == 4 ? s_v4Template : s_v6Template;
        Span<byte> raw = destination.Buffer.Span;
        if (raw.Length < template.Size)
        {
            return false;
        }
        destination.Size = template.Size;
        raw = raw[..template.Size];
        template.Buffer.Span[..template.Size].CopyTo(raw);
        BinaryPrimitives.WriteUInt16BigEndian(raw[SockaddrPortOffset..], port);
        address[..addressLength].CopyTo(raw[(addressLength == 4 ? SockaddrIPv4Offset : SockaddrIPv6Offset)..]);
        return true;
    }

    /// <summary>Decodes the raw address bytes (4 or 16) and port.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId, Span<byte> address, out int addressLength, out ushort port)
    {
        addressLength = 0;
        port = 0;
        if (value.Length < 4 || transactionId.Length != StunConstants.TransactionIdLength)
        {
            return false;
        }
        int length = value[1] switch
        {
            FamilyIPv4 when value.Length == IPv4ValueLength => 4,
            FamilyIPv6 when value.Length == IPv6ValueLength => 16,
            _ => 0,
        };
        if (length == 0 || address.Length < length)
        {
            return false;
        }
        port = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(value[2..]) ^ (StunConstants.MagicCookie >> 16));
        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        for (int i = 0; i < length; i++)
        {
            address[i] = (byte)(value[4 + i] ^ mask[i]);
        }
        addressLength = length;
        return true;
    }

    /// <summary>
    /// Writes the value for <paramref name="endpoint"/>; an IPv4-mapped IPv6 address (a dual-mode
    /// socket's view of an IPv4 peer) is written as IPv4, which is what the peer sent from.
    /// </summary>
    public static int Encode(Span<byte> destination, IPEndPoint endpoint, ReadOnlySpan<byte> transactionId)
    {
        IPAddress ip = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        Span<byte> address = stackalloc byte[16];
        if (!ip.TryWriteBytes(address, out int length))
        {
            StunThrowHelper.ThrowArgument(nameof(endpoint));
        }
        return Encode(destination, address[..length], (ushort)endpoint.Port, transactionId);
    }

    /// <summary>Writes the value for a socket address (as filled by <c>ReceiveFrom</c>) without allocating.</summary>
    public static int Encode(Span<byte> destination, SocketAddress socketAddress, ReadOnlySpan<byte> transactionId)
    {
        ReadOnlySpan<byte> raw = socketAddress.Buffer.Span[..socketAddress.Size];
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(raw[SockaddrPortOffset..]);
        ReadOnlySpan<byte> address;
        switch (socketAddress.Family)
        {
            case AddressFamily.InterNetwork when raw.Length >= SockaddrIPv4Offset + 4:
                address = raw.Slice(SockaddrIPv4Offset, 4);
                break;
            case AddressFamily.InterNetworkV6 when raw.Length >= SockaddrIPv6Offset + 16:
                address = raw.Slice(SockaddrIPv6Offset, 16);
                if (IsIPv4Mapped(address))
                {
                    address = address[12..];
                }
                break;
            default:
                StunThrowHelper.ThrowArgument(nameof(socketAddress));
                return 0;
        }
        return Encode(destination, address, port, transactionId);
    }

    private static int Encode(Span<byte> destination, ReadOnlySpan<byte> address, ushort port, ReadOnlySpan<byte> transactionId)
    {
        int length = 4 + address.Length;
        if (destination.Length < length || transactionId.Length != StunConstants.TransactionIdLength)
        {
            StunThrowHelper.ThrowArgument(nameof(destination));
        }
        destination[0] = 0;
        destination[1] = address.Length == 4 ? FamilyIPv4 : FamilyIPv6;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(port ^ (StunConstants.MagicCookie >> 16)));
        Span<byte> mask = stackalloc byte[16];
        WriteMask(mask, transactionId);
        for (int i = 0; i < address.Length; i++)
        {
            destination[4 + i] = (byte)(address[i] ^ mask[i]);
        }
        return length;
    }

    private static void WriteMask(Span<byte> mask, ReadOnlySpan<byte> transactionId)
    {
        BinaryPrimitives.WriteUInt32BigEndian(mask, StunConstants.MagicCookie);
        transactionId.CopyTo(mask[4..]);
    }

    private static bool IsIPv4Mapped(ReadOnlySpan<byte> address) =>
        address[..10].IndexOfAnyExcept((byte)0) < 0 && address[10] == 0xFF && address[11] == 0xFF;
}
