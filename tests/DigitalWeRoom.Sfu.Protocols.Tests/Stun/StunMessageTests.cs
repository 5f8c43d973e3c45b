using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Stun;

public sealed class StunMessageTests
{
    private static readonly byte[] s_key = Encoding.UTF8.GetBytes(Rfc5769Vectors.ShortTermPassword);

    [Fact]
    public void EnumWireValues_MatchRfc()
    {
        Assert.Equal(0x0001, (ushort)StunMessageType.BindingRequest);
        Assert.Equal(0x0011, (ushort)StunMessageType.BindingIndication);
        Assert.Equal(0x0101, (ushort)StunMessageType.BindingSuccessResponse);
        Assert.Equal(0x0111, (ushort)StunMessageType.BindingErrorResponse);
        Assert.Equal(0x0006, (ushort)StunAttributeType.Username);
        Assert.Equal(0x0008, (ushort)StunAttributeType.MessageIntegrity);
        Assert.Equal(0x001C, (ushort)StunAttributeType.MessageIntegritySha256);
        Assert.Equal(0x0020, (ushort)StunAttributeType.XorMappedAddress);
        Assert.Equal(0x0024, (ushort)StunAttributeType.Priority);
        Assert.Equal(0x0025, (ushort)StunAttributeType.UseCandidate);
        Assert.Equal(0x8028, (ushort)StunAttributeType.Fingerprint);
        Assert.Equal(0x8029, (ushort)StunAttributeType.IceControlled);
        Assert.Equal(0x802A, (ushort)StunAttributeType.IceControlling);
    }

    [Fact]
    public void BadMessageIntegrity_FailsVerification()
    {
        byte[] datagram = Rfc5769Vectors.Request;
        datagram[76] ^= 0x01; // inside the HMAC; FINGERPRINT now wrong too, so fix it up.
        RewriteFingerprint(datagram);
        Assert.True(StunMessage.TryParse(datagram, out StunMessage message, out _));
        Assert.False(message.VerifyMessageIntegrity(s_key));

        byte[] tamperedBody = Rfc5769Vectors.Request;
        tamperedBody[30] ^= 0x01; // SOFTWARE text changed after signing
        RewriteFingerprint(tamperedBody);
        Assert.True(StunMessage.TryParse(tamperedBody, out message, out _));
        Assert.False(message.VerifyMessageIntegrity(s_key));
    }

    [Fact]
    public void BadFingerprint_IsRejected()
    {
        byte[] datagram = Rfc5769Vectors.Request;
        datagram[^1] ^= 0x80;
        Assert.False(StunMessage.TryParse(datagram, out _, out DropReason reason));
        Assert.Equal(DropReason.StunBadFingerprint, reason);
    }

    [Fact]
    public void FingerprintNotLast_IsRejected()
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId);
        writer.AddFingerprint();
        writer.AddPriority(1);
        Assert.False(StunMessage.TryParse(writer.Written, out _, out DropReason reason));
        Assert.Equal(DropReason.StunBadFingerprint, reason);
    }

    [Fact]
    public void TruncatedAttribute_IsRejected()
    {
        byte[] datagram = Rfc5769Vectors.Request;
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(22), 0x0100); // SOFTWARE claims 256 bytes
        Assert.False(StunMessage.TryParse(datagram, out _, out DropReason reason));
        Assert.Equal(DropReason.StunBadAttribute, reason);

        // A header length that ends inside an attribute header.
        byte[] cut = Rfc5769Vectors.IPv4Response.AsSpan(0, 24).ToArray();
        BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), 4);
        Assert.False(StunMessage.TryParse(cut, out _, out reason));
        Assert.Equal(DropReason.StunBadAttribute, reason);
    }

    [Fact]
    public void LengthNotMultipleOfFour_IsRejected()
    {
        byte[] datagram = [.. Rfc5769Vectors.IPv4Response, 0];
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(2), (ushort)(datagram.Length - 20));
        Assert.False(StunMessage.TryParse(datagram, out _, out DropReason reason));
        Assert.Equal(DropReason.StunNotStun, reason);
    }

    [Fact]
    public void HeaderProblems_AreRejected()
    {
        byte[] cookie = Rfc5769Vectors.Request;
        cookie[5] ^= 0x01;
        Assert.False(StunMessage.TryParse(cookie, out _, out DropReason reason));
        Assert.Equal(DropReason.StunNotStun, reason);

        byte[] topBits = Rfc5769Vectors.Request;
        topBits[0] |= 0x80;
        Assert.False(StunMessage.TryParse(topBits, out _, out reason));
        Assert.Equal(DropReason.StunNotStun, reason);

        Assert.False(StunMessage.TryParse(Rfc5769Vectors.Request.AsSpan(0, 19), out _, out reason));
        Assert.Equal(DropReason.Truncated, reason);
        Assert.False(StunMessage.TryParse(Rfc5769Vectors.Request.AsSpan(0, 100), out _, out reason));
        Assert.Equal(DropReason.Truncated, reason);
        Assert.False(StunMessage.TryParse([.. Rfc5769Vectors.Request, 0, 0, 0, 0], out _, out reason));
        Assert.Equal(DropReason.Malformed, reason);
    }

    [Fact]
    public void AttributesAfterMessageIntegrity_AreIgnored()
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId);
        writer.AddUsername("a:b"u8);
        writer.AddMessageIntegrity(s_key);
        writer.AddPriority(7); // unsigned: an attacker could append it
        Assert.True(StunMessage.TryParse(writer.Written, out StunMessage message, out _));
        Assert.False(message.TryGetPriority(out _));
        Assert.True(message.TryGetUsername(out _));
        // The HMAC is taken with the length patched to end after MESSAGE-INTEGRITY (RFC 8489 §14.5),
        // so it still verifies, and the unsigned PRIORITY is simply not visible.
        Assert.True(message.VerifyMessageIntegrity(s_key));
    }

    [Fact]
    public void Writer_IceCheckRoundTrip_WithSocketAddressAndSha256()
    {
        Span<byte> buffer = stackalloc byte[StunConstants.MaxMessageLength];
        byte[] txid = Enumerable.Range(1, 12).Select(i => (byte)i).ToArray();
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, txid);
        writer.AddUsername("remote:local");
        writer.AddPriority(1_853_817_087);
        writer.AddUseCandidate();
        writer.AddIceControlling(0x0102030405060708);
        writer.AddMessageIntegrity(s_key);
        writer.AddMessageIntegritySha256(s_key);
        writer.AddFingerprint();
        Assert.Equal(writer.Length, BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]) + 20);

        Assert.True(StunMessage.TryParse(writer.Written, out StunMessage m, out _));
        Assert.True(m.HasUseCandidate);
        Assert.True(m.TryGetIceControlling(out ulong tb));
        Assert.Equal(0x0102030405060708ul, tb);
        Assert.True(m.TryGetPriority(out uint p));
        Assert.Equal(1_853_817_087u, p);
        Assert.True(m.VerifyMessageIntegrity(s_key));
        Assert.True(m.VerifyMessageIntegritySha256(s_key));
        Assert.False(m.VerifyMessageIntegritySha256("other"u8));

        // A response to a dual-mode socket's view of an IPv4 peer carries the IPv4 address.
        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:127.0.0.1"), 50000).Serialize();
        var response = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, txid);
        response.AddXorMappedAddress(mapped);
        response.AddMessageIntegrity(s_key);
        response.AddFingerprint();
        Assert.True(StunMessage.TryParse(response.Written, out StunMessage r, out _));
        Assert.True(r.TryGetXorMappedAddress(out IPEndPoint? endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 50000), endpoint);
        Assert.True(r.VerifyMessageIntegrity(s_key));
    }

    [Fact]
    public void ErrorResponse_RoundTrips()
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingErrorResponse, Rfc5769Vectors.TransactionId);
        writer.AddErrorCode(487, "Role Conflict");
        writer.AddUnknownAttributes([0x7777, 0x0042]);
        writer.AddFingerprint();
        Assert.True(StunMessage.TryParse(writer.Written, out StunMessage m, out _));
        Assert.Equal(StunMessageClass.ErrorResponse, m.Class);
        Assert.True(m.TryGetErrorCode(out int code, out ReadOnlySpan<byte> reason));
        Assert.Equal(487, code);
        Assert.Equal("Role Conflict", Encoding.UTF8.GetString(reason));
        Assert.Throws<ArgumentException>(() =>
        {
            Span<byte> b = stackalloc byte[64];
            new StunMessageWriter(b, StunMessageType.BindingErrorResponse, Rfc5769Vectors.TransactionId).AddErrorCode(200, "x");
        });
    }

    [Fact]
    public void UnknownComprehensionRequired_AreReported()
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId);
        writer.AddAttribute((StunAttributeType)0x7777, [1, 2, 3]);
        writer.AddAttribute((StunAttributeType)0xC001, [1]); // optional: not reported
        writer.AddPriority(1);
        Assert.True(StunMessage.TryParse(writer.Written, out StunMessage m, out _));
        Span<ushort> unknown = stackalloc ushort[4];
        Assert.Equal(1, m.GetUnknownComprehensionRequired(unknown));
        Assert.Equal(0x7777, unknown[0]);
        int count = 0;
        foreach (StunAttribute attribute in m)
        {
            count++;
        }
        Assert.Equal(3, count);

        // After MESSAGE-INTEGRITY attributes are ignored (RFC 8489 §14.5), unknown ones included.
        var signed = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId);
        signed.AddMessageIntegrity(s_key);
        signed.AddAttribute((StunAttributeType)0x7777, [1]);
        Assert.True(StunMessage.TryParse(signed.Written, out StunMessage s, out _));
        Assert.Equal(0, s.GetUnknownComprehensionRequired(unknown));
    }

    [Fact]
    public void WriterAndParser_DoNotAllocate()
    {
        byte[] buffer = new byte[StunConstants.MaxMessageLength];
        byte[] request = Rfc5769Vectors.Request;
        SocketAddress source = new IPEndPoint(IPAddress.Loopback, 40000).Serialize();
        RespondOnce(buffer, request, source); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            RespondOnce(buffer, request, source);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static int RespondOnce(byte[] buffer, byte[] request, SocketAddress source)
    {
        if (!StunMessage.TryParse(request, out StunMessage m, out _) || !m.VerifyMessageIntegrity(s_key)
            || !m.TryGetUsername(out _) || !m.TryGetPriority(out _))
        {
            return 0;
        }
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, m.TransactionId);
        writer.AddXorMappedAddress(source);
        writer.AddMessageIntegrity(s_key);
        writer.AddFingerprint();
        return writer.Length;
    }

    private static void RewriteFingerprint(byte[] datagram)
    {
        uint crc = StunFingerprint.Compute(datagram.AsSpan(0, datagram.Length - 8));
        BinaryPrimitives.WriteUInt32BigEndian(datagram.AsSpan(datagram.Length - 4), crc);
    }
}
