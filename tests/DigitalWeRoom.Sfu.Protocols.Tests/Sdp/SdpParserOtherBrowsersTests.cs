using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

/// <summary>Shapes other browsers send (hand-written in Firefox's style, not a capture).</summary>
public sealed class SdpParserOtherBrowsersTests
{
    private const string FirefoxStyleOffer =
        "v=0\r\n" +
        "o=mozilla...THIS_IS_SDPARTA-99.0 3612826213813424185 0 IN IP4 0.0.0.0\r\n" +
        "s=-\r\n" +
        "t=0 0\r\n" +
        "a=sendrecv\r\n" +
        "a=fingerprint:sha-256 3c:5f:8b:0e:41:6d:27:a9:90:12:34:56:78:9a:bc:de:f0:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\r\n" +
        "a=group:BUNDLE 0 1\r\n" +
        "a=ice-options:trickle\r\n" +
        "a=msid-semantic:WMS *\r\n" +
        "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "a=candidate:0 1 UDP 2122252543 127.0.0.1 51234 typ host\r\n" +
        "a=candidate:1 1 TCP 2105524479 127.0.0.1 9 typ host tcptype active\r\n" +
        "a=sendrecv\r\n" +
        "a=end-of-candidates\r\n" +
        "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" +
        "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n" +
        "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
        "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n" +
        "a=fmtp:101 0-15\r\n" +
        "a=ice-pwd:0123456789abcdef0123456789abcdef\r\n" +
        "a=ice-ufrag:01234567\r\n" +
        "a=mid:0\r\n" +
        "a=msid:{aa9f4c4b-1f41-4b29-a4a1-8ff3d8e7d0ef} {5f2e2a1c-6f43-4b8e-9a16-3d1c5e0e8f11}\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtpmap:109 opus/48000/2\r\n" +
        "a=rtpmap:9 G722/8000/1\r\n" +
        "a=rtpmap:0 PCMU/8000\r\n" +
        "a=rtpmap:8 PCMA/8000\r\n" +
        "a=rtpmap:101 telephone-event/8000\r\n" +
        "a=setup:actpass\r\n" +
        "a=ssrc:2655508255 cname:{1b6f2f6e-9f0a-4d2e-8c55-5b2bcf3c6d21}\r\n" +
        "m=video 9 UDP/TLS/RTP/SAVPF 120 124\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "a=sendonly\r\n" +
        "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
        "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n" +
        "a=fmtp:120 max-fs=12288;max-fr=60\r\n" +
        "a=fmtp:124 apt=120\r\n" +
        "a=ice-pwd:0123456789abcdef0123456789abcdef\r\n" +
        "a=ice-ufrag:01234567\r\n" +
        "a=mid:1\r\n" +
        "a=rid:h send\r\n" +
        "a=rid:l send max-width=320;max-height=180\r\n" +
        "a=rtcp-fb:120 nack\r\n" +
        "a=rtcp-fb:120 nack pli\r\n" +
        "a=rtcp-fb:120 ccm fir\r\n" +
        "a=rtcp-fb:120 goog-remb\r\n" +
        "a=rtcp-fb:120 transport-cc\r\n" +
        "a=rtcp-mux\r\n" +
        "a=rtcp-rsize\r\n" +
        "a=rtpmap:120 VP8/90000\r\n" +
        "a=rtpmap:124 rtx/90000\r\n" +
        "a=setup:actpass\r\n" +
        "a=simulcast:send h;l\r\n" +
        "a=ssrc-group:FID 1 2\r\n";

    [Fact]
    public void FirefoxStyleOffer_ParsesWithSessionLevelDtlsAndLowerCaseFingerprint()
    {
        SessionDescription sdp = SdpFixtures.Parse(FirefoxStyleOffer);
        Assert.Equal("mozilla...THIS_IS_SDPARTA-99.0", sdp.Origin.Username);
        Assert.Equal(["0", "1"], sdp.BundleMids);
        Assert.Equal([new SdpAttribute("sendrecv", null)], sdp.OtherAttributes); // session-level direction kept raw
        Assert.Equal(["*"], sdp.MsidSemantic!.Identifiers);
        MediaDescription audio = sdp.Media[0], video = sdp.Media[1];
        Assert.Equal(0x3c, sdp.FingerprintFor(audio)!.Value[0]);
        Assert.Equal(["trickle"], sdp.IceOptions);
        Assert.Equal(2, audio.Candidates.Count);
        Assert.Equal("UDP", audio.Candidates[0].Transport);
        Assert.True(audio.EndOfCandidates);
        Assert.Equal(SdpDirection.RecvOnly, audio.Extmaps[1].Direction);
        Assert.Equal(1, audio.FindCodec(9)!.Channels);
        Assert.Equal(2, audio.FindCodec("opus")!.Channels);
        Assert.Equal(124, video.FindRtxFor(120));
        Assert.Equal(SdpDirection.SendOnly, video.Direction);
        Assert.Equal(["h", "l"], video.SendRids.Select(r => r.Id));
        Assert.Equal("180", video.Rids[1].ParseRestrictions().Single(r => r.Name == "max-height").Value);
        Assert.Equal(7, video.FindExtmapId("http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"));

        SessionDescription again = SdpFixtures.Parse(SdpWriter.Write(sdp));
        Assert.Equal(SdpWriter.Write(sdp), SdpWriter.Write(again));
        Assert.Equal(sdp.FingerprintFor(audio)!.Value, again.FingerprintFor(again.Media[0])!.Value);
    }
}
