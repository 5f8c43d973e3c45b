using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

public sealed class SdpRoundTripTests
{
    /// <summary>A description touching every typed attribute, in the writer's order (so text round-trips exactly).</summary>
    internal const string Everything =
        "v=0\r\n" +
        "o=- 42 7 IN IP4 127.0.0.1\r\n" +
        "s=-\r\n" +
        "i=a session\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "b=AS:2000\r\n" +
        "t=0 0\r\n" +
        "a=group:BUNDLE a v d\r\n" +
        "a=ice-lite\r\n" +
        "a=ice-ufrag:sess\r\n" +
        "a=ice-pwd:abcdefghijklmnopqrstuv\r\n" +
        "a=ice-options:trickle renomination\r\n" +
        "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
        "a=setup:passive\r\n" +
        "a=extmap-allow-mixed\r\n" +
        "a=msid-semantic: WMS s1\r\n" +
        "a=extmap:7/sendonly urn:example:ext attr1 attr2\r\n" +
        "a=x-session-thing:value with spaces\r\n" +
        "a=x-flag\r\n" +
        "m=audio 50000 UDP/TLS/RTP/SAVPF 111 0\r\n" +
        "c=IN IP6 ::1\r\n" +
        "a=rtcp:50001 IN IP6 ::1\r\n" +
        "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host generation 0 network-id 1\r\n" +
        "a=candidate:2 1 udp 1694498815 198.51.100.7 40000 typ srflx raddr 127.0.0.1 rport 50000 ufrag abcd\r\n" +
        "a=candidate:3 1 tcp 1518280447 ::1 9 typ host tcptype active\r\n" +
        "a=ice-ufrag:medi\r\n" +
        "a=ice-pwd:0123456789012345678901\r\n" +
        "a=setup:actpass\r\n" +
        "a=mid:a\r\n" +
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
        "a=sendonly\r\n" +
        "a=msid:s1 t1\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtcp-mux-only\r\n" +
        "a=rtcp-rsize\r\n" +
        "a=rtcp-fb:* nack\r\n" +
        "a=rtpmap:111 opus/48000/2\r\n" +
        "a=fmtp:111 minptime=10;useinbandfec=1\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=ssrc:1 cname:c\r\n" +
        "a=end-of-candidates\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n" +
        "b=TIAS:1000000\r\n" +
        "a=mid:v\r\n" +
        "a=inactive\r\n" +
        "a=rtpmap:96 VP8/90000\r\n" +
        "a=rtcp-fb:96 nack pli\r\n" +
        "a=rtcp-fb:96 ccm fir\r\n" +
        "a=rtpmap:97 rtx/90000\r\n" +
        "a=fmtp:97 apt=96\r\n" +
        "a=fmtp:98 unlisted=1\r\n" +
        "a=ssrc-group:FID 10 11\r\n" +
        "a=ssrc-group:SIM 10 20 30\r\n" +
        "a=ssrc:10 msid:s1 t2\r\n" +
        "a=ssrc:11 cname\r\n" +
        "a=rid:lo send pt=96,97;max-width=320;max-height=180\r\n" +
        "a=rid:hi send\r\n" +
        "a=rid:in recv max-fps=30\r\n" +
        "a=simulcast:send lo,~alt;~hi recv in\r\n" +
        "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n" +
        "a=mid:d\r\n" +
        "a=sctp-port:5000\r\n" +
        "a=max-message-size:1073741823\r\n";

    [Theory]
    [InlineData(SdpFixtures.OfferAudioVideo)]
    [InlineData(SdpFixtures.OfferSimulcast)]
    [InlineData(SdpFixtures.AnswerAudioVideo)]
    public void ChromiumFixture_WritesBackByteForByte(string name)
    {
        string text = SdpFixtures.Read(name);
        SessionDescription first = SdpFixtures.Parse(text);
        string written = SdpWriter.Write(first);
        Assert.Equal(text, written);
        Assert.Equal(SdpFixtures.Dump(first), SdpFixtures.Dump(SdpFixtures.Parse(written)));
    }

    [Fact]
    public void EveryTypedAttribute_RoundTrips()
    {
        SessionDescription sdp = SdpFixtures.Parse(Everything);
        Assert.Equal(Everything, SdpWriter.Write(sdp));
        Assert.Equal(SdpFixtures.Dump(sdp), SdpFixtures.Dump(SdpFixtures.Parse(SdpWriter.Write(sdp))));

        Assert.True(sdp.IceLite);
        Assert.Equal(["trickle", "renomination"], sdp.IceOptions);
        Assert.Equal(SdpSetup.Passive, sdp.Setup);
        Assert.Equal(new SdpExtmap(7, SdpDirection.SendOnly, "urn:example:ext", "attr1 attr2"), sdp.Extmaps.Single());
        Assert.Equal([new SdpAttribute("x-session-thing", "value with spaces"), new SdpAttribute("x-flag", null)], sdp.OtherAttributes);
        Assert.Equal(new SdpBandwidth("AS", 2000), sdp.Bandwidths.Single());

        MediaDescription audio = sdp.Media[0];
        Assert.Equal("medi", sdp.IceUfragFor(audio));
        Assert.Equal(SdpSetup.ActPass, sdp.SetupFor(audio));
        Assert.Equal(3, audio.Candidates.Count);
        SdpCandidate srflx = audio.Candidates[1];
        Assert.Equal(("srflx", "198.51.100.7", 40000, "127.0.0.1", 50000), (srflx.Type, srflx.Address, srflx.Port, srflx.RelatedAddress, srflx.RelatedPort));
        Assert.Equal([new SdpParameter("ufrag", "abcd")], srflx.Extensions);
        Assert.Equal("active", audio.Candidates[2].TcpType);
        Assert.True(audio.EndOfCandidates && audio.RtcpMuxOnly);
        Assert.Equal(["nack"], audio.GetCodecs()[1].Feedback.Select(f => f.Type)); // rtcp-fb:* applies to PCMU too

        MediaDescription video = sdp.Media[1];
        Assert.Equal(SdpDirection.Inactive, video.Direction);
        Assert.Equal(["lo", "hi"], video.SendRids.Select(r => r.Id));
        Assert.Equal([96, 97], video.Rids[0].PayloadTypes());
        Assert.Equal(new SdpParameter("max-width", "320"), video.Rids[0].ParseRestrictions()[1]);
        Assert.Equal([new SdpSimulcastId("lo", false), new SdpSimulcastId("alt", true)], video.Simulcast!.Send[0]);
        Assert.True(video.Simulcast.Send[1].Single().Paused);
        Assert.Equal("in", video.Simulcast.Recv.Single().Single().Rid);
        Assert.Equal([10u, 20u, 30u], video.SsrcGroups[1].Ssrcs);
        Assert.Null(video.FindSsrcAttribute(11, "cname"));
        Assert.Equal(0, sdp.Media[2].Port);
        Assert.Equal(1073741823ul, sdp.Media[2].MaxMessageSize);
    }

    [Fact]
    public void OutOfOrderInput_ParsesEqualAfterWriting()
    {
        // Attributes in an unusual order and LF line ends: the text changes, the model does not.
        string text = "v=0\no=- 1 1 IN IP4 0.0.0.0\ns=x\nt=0 0\nm=video 9 UDP/TLS/RTP/SAVPF 96\n" +
            "a=fmtp:96 x=1\na=rtpmap:96 VP8/90000\na=zzz\na=mid:0\na=fingerprint:sha-1 ab:cd\n";
        SessionDescription sdp = SdpFixtures.Parse(text);
        string written = SdpWriter.Write(sdp);
        Assert.NotEqual(text, written);
        Assert.Equal(SdpFixtures.Dump(sdp), SdpFixtures.Dump(SdpFixtures.Parse(written)));
        Assert.Contains("a=fingerprint:sha-1 AB:CD\r\n", written, StringComparison.Ordinal);
    }

    [Fact]
    public void Candidate_ParsesTrickleForm()
    {
        const string Trickle = "candidate:842163049 1 udp 1677729535 203.0.113.9 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Yx6X network-cost 999";
        Assert.True(SdpCandidate.TryParse(Trickle, out SdpCandidate? candidate, out _));
        Assert.Equal(1677729535u, candidate!.Priority);
        Assert.Equal(0, candidate.Generation);
        Assert.Equal(Trickle, candidate.ToString());
        Assert.False(SdpCandidate.TryParse("candidate:1 1 udp x 1.2.3.4 5 typ host", out _, out string? error));
        Assert.Contains("priority", error, StringComparison.Ordinal);
        Assert.False(SdpCandidate.TryParse("candidate:1 1 udp 1 1.2.3.4 5 type host", out _, out _));
        Assert.False(SdpCandidate.TryParse("1 1 udp 1 1.2.3.4 70000 typ host", out _, out _));
    }
}
