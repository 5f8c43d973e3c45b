using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

public sealed class SdpParserErrorTests
{
    private const string Head = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";

    [Theory]
    [InlineData("m=video notaport UDP/TLS/RTP/SAVPF 96", 5, "port")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF", 5, "format")]
    [InlineData("m=video 70000 UDP/TLS/RTP/SAVPF 96", 5, "port")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:abc", 6, "rtpmap")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8", 6, "rtpmap")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:200 VP8/90000", 6, "rtpmap")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=fmtp:96", 6, "fmtp")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtcp-fb:x nack", 6, "rtcp-fb")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=extmap:0 urn:x", 6, "extmap")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ssrc:-1 cname:x", 6, "ssrc")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ssrc-group:FID 1 x", 6, "ssrc-group")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rid:q sideways", 6, "rid")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=simulcast:send rid=q;h", 6, "simulcast")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=candidate:1 1 udp 1 1.2.3.4 5 typ", 6, "candidate")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=mid:1", 7, "once")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\na=recvonly", 7, "once")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=setup:sometimes", 6, "setup")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-ufrag:ab", 6, "ICE")]
    [InlineData("m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=ice-pwd:short", 6, "ICE")]
    [InlineData("a=fingerprint:sha-256 AB:CD:E", 5, "fingerprint")]
    [InlineData("a=fingerprint:sha-256 AB-CD", 5, "fingerprint")]
    [InlineData("a=group", 5, "group")]
    [InlineData("a=ice-lite:yes", 5, "flag")]
    [InlineData("m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:x", 6, "sctp-port")]
    [InlineData("m=audio 9 RTP/AVP 0\r\no=- 1 1 IN IP4 1.1.1.1", 6, "not allowed")]
    [InlineData("x=unknown", 5, "unknown line type")]
    [InlineData("garbage", 5, "expected")]
    [InlineData("\r\na=x", 5, "empty line")]
    [InlineData("b=AS:lots", 5, "b=")]
    public void MalformedLine_NamesLineAndReason(string tail, int line, string reasonPart)
    {
        Assert.False(SdpParser.TryParse(Head + tail + "\r\n", out _, out SdpParseError error));
        Assert.Equal(line, error.LineNumber);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
        Assert.Equal(DropReason.SdpMalformed, error.DropReason);
        Assert.StartsWith($"SDP line {line}: ", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("o=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n", 1, "v=0")]
    [InlineData("v=1\r\n", 1, "v=0")]
    [InlineData("v=0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n", 4, "missing o=")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n", 3, "missing t=")]
    [InlineData("v=0\r\no=- x 1 IN IP4 127.0.0.1\r\n", 2, "o=")]
    [InlineData("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0\r\n", 4, "t=")]
    [InlineData("", 0, "empty")]
    public void MissingOrBrokenSessionLines_AreRejected(string text, int line, string reasonPart)
    {
        Assert.False(SdpParser.TryParse(text, out _, out SdpParseError error));
        Assert.Equal(line, error.LineNumber);
        Assert.Contains(reasonPart, error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void TrailingBlankLines_AreTolerated_ButNotInTheMiddle()
    {
        Assert.True(SdpParser.TryParse(Head + "a=x\r\n\r\n\n", out SessionDescription sdp, out _));
        Assert.Equal("x", sdp.OtherAttributes.Single().Name);
        Assert.True(SdpParser.TryParse(Head.TrimEnd(), out _, out _)); // no final line end
        Assert.False(SdpParser.TryParse(Head + "\r\na=x\r\n", out _, out SdpParseError error));
        Assert.Equal(5, error.LineNumber);
    }

    [Fact]
    public void Null_IsRejected()
    {
        Assert.False(SdpParser.TryParse(null, out _, out SdpParseError error));
        Assert.Equal(0, error.LineNumber);
    }

    [Fact]
    public void Oversize_IsRejectedAsTooLarge()
    {
        string big = Head + string.Concat(Enumerable.Repeat("a=x-padding:" + new string('p', 100) + "\r\n", SdpParser.MaxLength / 100));
        Assert.True(big.Length > SdpParser.MaxLength);
        Assert.False(SdpParser.TryParse(big, out _, out SdpParseError error));
        Assert.Equal(DropReason.TooLarge, error.DropReason);
        Assert.Equal(0, error.LineNumber);
    }

    [Fact]
    public void TooManyLines_AreRejected()
    {
        string many = Head + string.Concat(Enumerable.Repeat("a=x\r\n", SdpParser.MaxLines));
        Assert.False(SdpParser.TryParse(many, out _, out SdpParseError error));
        Assert.Equal(DropReason.TooLarge, error.DropReason);
        Assert.Equal(SdpParser.MaxLines + 1, error.LineNumber);
    }

    [Fact]
    public void TooManyMediaSections_AreRejected()
    {
        string many = Head + string.Concat(Enumerable.Repeat("m=audio 9 RTP/AVP 0\r\n", SdpParser.MaxMediaSections + 1));
        Assert.False(SdpParser.TryParse(many, out _, out SdpParseError error));
        Assert.Equal(DropReason.TooLarge, error.DropReason);
        Assert.Equal(4 + SdpParser.MaxMediaSections + 1, error.LineNumber);
    }
}
