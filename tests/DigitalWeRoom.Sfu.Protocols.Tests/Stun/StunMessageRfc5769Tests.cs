using System.Net;
using System.Net.Sockets;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Stun;

/// <summary>RFC 5769 §2 vectors: parse, verify, and rebuild byte for byte with the writer.</summary>
public sealed class StunMessageRfc5769Tests
{
    private static readonly byte[] s_password = Encoding.UTF8.GetBytes(Rfc5769Vectors.ShortTermPassword);

    [Fact]
    public void SampleRequest_ParsesAndVerifies()
    {
        byte[] datagram = Rfc5769Vectors.Request;
        Assert.True(StunMessage.TryParse(datagram, out StunMessage message, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(StunMessageType.BindingRequest, message.Type);
        Assert.Equal(StunMessageClass.Request, message.Class);
        Assert.Equal(1, message.Method);
        Assert.Equal(Rfc5769Vectors.TransactionId, message.TransactionId.ToArray());

        Assert.True(message.TryGetAttribute(StunAttributeType.Software, out ReadOnlySpan<byte> software));
        Assert.Equal("STUN test client", Encoding.UTF8.GetString(software));
        Assert.True(message.TryGetUsername(out ReadOnlySpan<byte> username));
        Assert.Equal("evtj:h6vY", Encoding.UTF8.GetString(username));
        Assert.True(message.TryGetPriority(out uint priority));
        Assert.Equal(0x6e0001ffu, priority);
        Assert.True(message.TryGetIceControlled(out ulong tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.False(message.TryGetIceControlling(out _));
        Assert.False(message.HasUseCandidate);

        Assert.True(message.HasMessageIntegrity);
        Assert.True(message.HasFingerprint);
        Assert.True(message.VerifyMessageIntegrity(s_password));
        Assert.False(message.VerifyMessageIntegrity("VOkJxbRl1RmTxUk/WvJxBu"u8));
    }

    [Fact]
    public void SampleIPv4Response_ReadsXorMappedAddress()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.IPv4Response, out StunMessage message, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.Equal(StunMessageClass.SuccessResponse, message.Class);
        Assert.True(message.TryGetXorMappedAddress(out IPEndPoint? endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853), endpoint);
        Assert.True(message.VerifyMessageIntegrity(s_password));

        var socketAddress = new SocketAddress(AddressFamily.InterNetworkV6);
        Assert.True(message.TryGetXorMappedAddress(socketAddress));
        Assert.Equal(AddressFamily.InterNetwork, socketAddress.Family);
        Assert.Equal(endpoint, new IPEndPoint(IPAddress.Any, 0).Create(socketAddress));
    }

    [Fact]
    public void SampleIPv6Response_ReadsXorMappedAddress()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.IPv6Response, out StunMessage message, out _));
        Assert.True(message.TryGetXorMappedAddress(out IPEndPoint? endpoint));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), endpoint);
        Assert.True(message.VerifyMessageIntegrity(s_password));

        var socketAddress = new SocketAddress(AddressFamily.InterNetworkV6);
        Assert.True(message.TryGetXorMappedAddress(socketAddress));
        Assert.Equal(AddressFamily.InterNetworkV6, socketAddress.Family);
        Assert.Equal(endpoint, new IPEndPoint(IPAddress.IPv6Any, 0).Create(socketAddress));

        // An IPv4-sized socket address cannot hold the IPv6 result.
        Assert.False(message.TryGetXorMappedAddress(new SocketAddress(AddressFamily.InterNetwork)));
    }

    /// <summary>
    /// §2.4 uses a SASLprep'd password ("The\u00ADM\u00AAtr\u2168x" becomes "TheMatrIX"). SASLprep is not
    /// implemented; the test passes the already-prepared password, which is what the RFC's key uses.
    /// </summary>
    [Fact]
    public void LongTermRequest_VerifiesWithMd5Key()
    {
        Assert.True(StunMessage.TryParse(Rfc5769Vectors.LongTermRequest, out StunMessage message, out _));
        Assert.False(message.HasFingerprint);
        Assert.True(message.TryGetUsername(out ReadOnlySpan<byte> username));
        Assert.Equal("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", Encoding.UTF8.GetString(username));
        Assert.True(message.TryGetAttribute(StunAttributeType.Nonce, out ReadOnlySpan<byte> nonce));
        Assert.Equal("f//499k954d6OL34oL9FSTvy64sA", Encoding.UTF8.GetString(nonce));
        Assert.True(message.TryGetAttribute(StunAttributeType.Realm, out ReadOnlySpan<byte> realm));
        Assert.Equal("example.org", Encoding.UTF8.GetString(realm));

        byte[] key = new byte[16];
        StunMessageIntegrity.LongTermKey("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org", "TheMatrIX", key);
        Assert.True(message.VerifyMessageIntegrity(key));
        StunMessageIntegrity.LongTermKey("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org", "thematrix", key);
        Assert.False(message.VerifyMessageIntegrity(key));
    }

    [Fact]
    public void Writer_ReproducesSampleRequest()
    {
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.TransactionId) { PaddingByte = 0x20 };
        writer.AddSoftware("STUN test client");
        writer.AddPriority(0x6e0001ff);
        writer.AddIceControlled(0x932ff9b151263b36);
        writer.AddUsername("evtj:h6vY");
        writer.AddMessageIntegrity(s_password);
        writer.AddFingerprint();
        Assert.Equal(Rfc5769Vectors.Request, writer.Written.ToArray());
    }

    [Fact]
    public void Writer_ReproducesSampleResponses()
    {
        Span<byte> buffer = stackalloc byte[256];
        var v4 = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, Rfc5769Vectors.TransactionId) { PaddingByte = 0x20 };
        v4.AddSoftware("test vector"u8);
        v4.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 32853));
        v4.AddMessageIntegrity(s_password);
        v4.AddFingerprint();
        Assert.Equal(Rfc5769Vectors.IPv4Response, v4.Written.ToArray());

        var v6 = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, Rfc5769Vectors.TransactionId) { PaddingByte = 0x20 };
        v6.AddSoftware("test vector");
        v6.AddXorMappedAddress(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853).Serialize());
        v6.AddMessageIntegrity(s_password);
        v6.AddFingerprint();
        Assert.Equal(Rfc5769Vectors.IPv6Response, v6.Written.ToArray());
    }

    [Fact]
    public void Writer_ReproducesLongTermRequest()
    {
        byte[] key = new byte[16];
        StunMessageIntegrity.LongTermKey("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org", "TheMatrIX", key);
        Span<byte> buffer = stackalloc byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, Rfc5769Vectors.Hex("78ad3433c6ad72c029da412e"));
        writer.AddUsername("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9");
        writer.AddAttribute(StunAttributeType.Nonce, "f//499k954d6OL34oL9FSTvy64sA"u8);
        writer.AddAttribute(StunAttributeType.Realm, "example.org"u8);
        writer.AddMessageIntegrity(key);
        Assert.Equal(Rfc5769Vectors.LongTermRequest, writer.Written.ToArray());
    }
}
