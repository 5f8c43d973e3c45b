using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace DigitalWeRoom.Sfu.Server.Tests.Turn;

/// <summary>
/// A minimal TURN client over TCP for tests against a real coturn, written from RFC 8656 and RFC 8489 independently
/// of the server's STUN code: Allocate with the long-term credential mechanism (RFC 8489 §9.2: a first request
/// without credentials, 401 with REALM and NONCE, then USERNAME/REALM/NONCE/MESSAGE-INTEGRITY with key
/// MD5(username:realm:password)), and CreatePermission (RFC 8656 §9). Each call returns 0 on success, else the
/// ERROR-CODE (e.g. 401 Unauthorized, 403 Forbidden). Over a TCP socket, or any stream (TURN over TLS, RFC 8656 §5).
/// </summary>
internal sealed class TurnTestClient(Stream stream, string username, string password) : IDisposable
{
    public TurnTestClient(Socket socket, string username, string password)
        : this(new NetworkStream(socket, ownsSocket: true), username, password)
    {
    }

    private const uint MagicCookie = 0x2112A442;
    private const ushort Allocate = 0x0003, CreatePermission = 0x0008;
    private const ushort Username = 0x0006, MessageIntegrity = 0x0008, ErrorCode = 0x0009, XorPeerAddress = 0x0012,
        Realm = 0x0014, Nonce = 0x0015, RequestedTransport = 0x0019;

    private readonly Stream _stream = stream;
    private byte[]? _realm, _nonce;

    /// <summary>Allocate a UDP relay (REQUESTED-TRANSPORT 17, RFC 8656 §7.1).</summary>
    public Task<int> AllocateAsync() => RequestAsync(Allocate, [(RequestedTransport, [17, 0, 0, 0])]);

    /// <summary>Install a permission for <paramref name="peer"/> (XOR-PEER-ADDRESS, RFC 8656 §14.3).</summary>
    public Task<int> CreatePermissionAsync(IPAddress peer)
    {
        var address = peer.GetAddressBytes();
        Assert.Equal(4, address.Length);
        var value = new byte[8];
        value[1] = 0x01; // IPv4
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), (ushort)(0 ^ (MagicCookie >> 16)));
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(4), BinaryPrimitives.ReadUInt32BigEndian(address) ^ MagicCookie);
        return RequestAsync(CreatePermission, [(XorPeerAddress, value)]);
    }

    private async Task<int> RequestAsync(ushort method, (ushort Type, byte[] Value)[] attributes)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (code, response) = await ExchangeAsync(method, attributes);
            // 401 without credentials yet, or 438 Stale Nonce (RFC 8489 §9.2.5): take the realm and nonce and ask again.
            if ((code == 401 && _nonce is null) || code == 438)
            {
                _realm = Attribute(response, Realm) ?? _realm;
                _nonce = Attribute(response, Nonce);
                continue;
            }

            return code;
        }

        return -1;
    }

    private async Task<(int Code, byte[] Response)> ExchangeAsync(ushort method, (ushort Type, byte[] Value)[] attributes)
    {
        var body = new MemoryStream();
        foreach (var (type, value) in attributes)
        {
            Write(body, type, value);
        }

        if (_nonce is not null)
        {
            Write(body, Username, Encoding.UTF8.GetBytes(username));
            Write(body, Realm, _realm!);
            Write(body, Nonce, _nonce);
        }

        var header = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(header, method);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), MagicCookie);
        RandomNumberGenerator.Fill(header.AsSpan(8));
        byte[] message;
        if (_nonce is null)
        {
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)body.Length);
            message = [.. header, .. body.ToArray()];
        }
        else
        {
            // MESSAGE-INTEGRITY covers the message up to itself, with the length already counting it (RFC 8489 §14.5).
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(body.Length + 24));
            byte[] covered = [.. header, .. body.ToArray()];
#pragma warning disable CA5350, CA5351 // RFC 8489 §9.2.2: the long-term key is MD5, the integrity HMAC-SHA1.
            var key = MD5.HashData(Encoding.UTF8.GetBytes($"{username}:{Encoding.UTF8.GetString(_realm!)}:{password}"));
            var mac = HMACSHA1.HashData(key, covered);
#pragma warning restore CA5350, CA5351
            var tail = new MemoryStream();
            Write(tail, MessageIntegrity, mac);
            message = [.. covered, .. tail.ToArray()];
        }

        await _stream.WriteAsync(message);
        var responseHeader = new byte[20];
        await _stream.ReadExactlyAsync(responseHeader);
        var response = new byte[BinaryPrimitives.ReadUInt16BigEndian(responseHeader.AsSpan(2))];
        await _stream.ReadExactlyAsync(response);
        Assert.Equal(header.AsSpan(8).ToArray(), responseHeader.AsSpan(8).ToArray());
        var isError = (BinaryPrimitives.ReadUInt16BigEndian(responseHeader) & 0x0110) == 0x0110;
        if (!isError)
        {
            return (0, response);
        }

        var error = Attribute(response, ErrorCode) ?? throw new InvalidOperationException("an error response without ERROR-CODE");
        return (((error[2] & 0x07) * 100) + error[3], response);
    }

    private static void Write(Stream stream, ushort type, byte[] value)
    {
        Span<byte> tlv = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(tlv, type);
        BinaryPrimitives.WriteUInt16BigEndian(tlv[2..], (ushort)value.Length);
        stream.Write(tlv);
        stream.Write(value);
        stream.Write(new byte[(4 - (value.Length % 4)) % 4]);
    }

    private static byte[]? Attribute(byte[] attributes, ushort wanted)
    {
        for (var at = 0; at + 4 <= attributes.Length;)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(attributes.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(attributes.AsSpan(at + 2));
            if (at + 4 + length > attributes.Length)
            {
                return null;
            }

            if (type == wanted)
            {
                return attributes.AsSpan(at + 4, length).ToArray();
            }

            at += 4 + length + ((4 - (length % 4)) % 4);
        }

        return null;
    }

    public void Dispose() => _stream.Dispose();
}
