using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

/// <summary>Concrete facts read from real Chromium 156 offers and answers.</summary>
public sealed class SdpParserChromiumTests
{
    private const string TransportCc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    [Fact]
    public void AudioVideoOffer_SessionLevel()
    {
        SessionDescription sdp = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferAudioVideo));
        Assert.Equal(0, sdp.Version);
        Assert.Equal("5462034914851491730", sdp.Origin.SessionId);
        Assert.Equal("2", sdp.Origin.SessionVersion);
        Assert.Equal("127.0.0.1", sdp.Origin.Address);
        Assert.Equal("-", sdp.SessionName);
        Assert.Equal(new SdpTiming(0, 0), sdp.Timing);
        Assert.Equal(["0", "1", "2"], sdp.BundleMids);
        Assert.True(sdp.ExtmapAllowMixed);
        Assert.False(sdp.IceLite);
        Assert.Equal("WMS", sdp.MsidSemantic!.Semantic);
        Assert.Equal(["28247339-5114-440e-b376-802e8358dea3"], sdp.MsidSemantic.Identifiers);
        Assert.Equal(3, sdp.Media.Count);
        Assert.Equal(["audio", "video", "application"], sdp.Media.Select(m => m.Kind));
    }

    [Fact]
    public void AudioVideoOffer_TransportAttributes()
    {
        SessionDescription sdp = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferAudioVideo));
        foreach (MediaDescription media in sdp.Media)
        {
            Assert.Equal("Pkj3", sdp.IceUfragFor(media));
            Assert.Equal("9x16Ry1DdgviMSfXtJeLjhy/", sdp.IcePwdFor(media));
            Assert.Equal(["trickle"], media.IceOptions);
            Assert.Equal(SdpSetup.ActPass, sdp.SetupFor(media));
            SdpFingerprint fingerprint = sdp.FingerprintFor(media)!;
            Assert.Equal("sha-256", fingerprint.HashFunction);
            Assert.Equal(Convert.FromHexString("96E0C2AAE74E677B8D78085ADAE83E1B09E3AC25155030E01DEC6E294233B4EA"), fingerprint.Value);
            Assert.Equal(9, media.Port);
            Assert.Equal(SdpConnection.Unspecified, media.Connection);
        }
        Assert.Equal(new SdpRtcp(9, SdpConnection.Unspecified), sdp.Media[0].Rtcp);
        Assert.True(sdp.Media[0].RtcpMux);
        Assert.True(sdp.Media[1].RtcpReducedSize);
        Assert.Equal([new SdpAttribute("rtcp-xr", "rcvr-rtt=all")], sdp.Media[0].OtherAttributes);
    }

    [Fact]
    public void AudioVideoOffer_AudioSection()
    {
        MediaDescription audio = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferAudioVideo)).Media[0];
        Assert.Equal("0", audio.Mid);
        Assert.Equal("UDP/TLS/RTP/SAVPF", audio.Protocol);
        Assert.Equal(["111", "63", "9", "0", "8", "13", "110", "126"], audio.Formats);
        Assert.Equal(SdpDirection.SendRecv, audio.Direction);
        SdpCodec opus = audio.GetCodecs()[0];
        Assert.Equal((111, "opus", 48000, 2), (opus.PayloadType, opus.Name, opus.ClockRate, opus.Channels));
        Assert.Equal("minptime=10;useinbandfec=1", opus.Fmtp!.Parameters);
        Assert.True(opus.Fmtp.TryGetParameter("useinbandfec", out string? fec));
        Assert.Equal("1", fec);
        Assert.Equal([new SdpRtcpFeedback(111, "transport-cc", null)], opus.Feedback);
        Assert.Equal("111/111", audio.FindCodec("red")!.Fmtp!.Parameters);
        Assert.Null(audio.FindCodec(0)!.Channels);
        Assert.Equal(8000, audio.FindCodec("PCMU")!.ClockRate);
        Assert.Equal(1, audio.FindExtmapId("urn:ietf:params:rtp-hdrext:ssrc-audio-level"));
        Assert.Equal(4, audio.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:mid"));
        Assert.Equal(3, audio.FindExtmapId(TransportCc));
        Assert.Equal([241843901u], audio.SsrcIds);
        Assert.Equal("eKjQUU8bv5BUTTZW", audio.FindSsrcAttribute(241843901, "cname"));
        Assert.Equal(new SdpMsid("28247339-5114-440e-b376-802e8358dea3", "8bed6440-e03e-419c-b8f0-8a6a1406984b"), audio.Msids.Single());
    }

    [Fact]
    public void AudioVideoOffer_VideoSection()
    {
        MediaDescription video = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferAudioVideo)).Media[1];
        Assert.Equal("1", video.Mid);
        Assert.Equal(23, video.Formats.Count);
        IReadOnlyList<SdpCodec> codecs = video.GetCodecs();
        Assert.Equal(23, codecs.Count);
        SdpCodec vp8 = codecs[0];
        Assert.Equal((96, "VP8", 90000), (vp8.PayloadType, vp8.Name, vp8.ClockRate));
        Assert.Equal(["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"],
            vp8.Feedback.Select(f => f.Subtype is null ? f.Type : f.Type + " " + f.Subtype));
        Assert.Equal(97, video.FindRtxFor(96));
        Assert.Equal(96, video.FindCodec(97)!.AssociatedPayloadType);
        Assert.True(video.FindCodec(97)!.IsRtx);
        Assert.Equal(103, video.FindRtxFor(102));
        Assert.Equal("profile-id=2", video.FindCodec(100)!.Fmtp!.Parameters);
        Assert.Equal(45, video.FindCodec("AV1")!.PayloadType);
        Assert.Equal(4, video.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:mid"));
        Assert.Equal(10, video.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"));
        Assert.Equal(11, video.FindExtmapId("urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"));
        Assert.Equal(3, video.FindExtmapId(TransportCc));
        Assert.Equal(new SdpSsrcGroup("FID", [2507001741, 1420639439]).Semantics, video.SsrcGroups.Single().Semantics);
        Assert.Equal([(2507001741u, 1420639439u)], video.RtxSsrcPairs);
        Assert.Equal([2507001741u, 1420639439u], video.SsrcIds);
        Assert.Empty(video.Rids);
        Assert.Null(video.Simulcast);
    }

    [Fact]
    public void AudioVideoOffer_DataChannelSection()
    {
        MediaDescription data = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferAudioVideo)).Media[2];
        Assert.True(data.IsDataChannel);
        Assert.False(data.IsRtp);
        Assert.Equal("UDP/DTLS/SCTP", data.Protocol);
        Assert.Equal(["webrtc-datachannel"], data.Formats);
        Assert.Equal(5000, data.SctpPort);
        Assert.Equal(262144ul, data.MaxMessageSize);
        Assert.Equal("2", data.Mid);
        Assert.Null(data.Rtcp);
    }

    [Fact]
    public void SimulcastOffer_HasThreeSendRids()
    {
        SessionDescription sdp = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.OfferSimulcast));
        Assert.Equal("Yx6X", sdp.IceUfragFor(sdp.Media[0]));
        MediaDescription video = sdp.Media[1];
        Assert.Equal(["q", "h", "f"], video.Rids.Select(r => r.Id));
        Assert.All(video.Rids, r => Assert.Equal(SdpRidDirection.Send, r.Direction));
        Assert.All(video.Rids, r => Assert.Null(r.Restrictions));
        Assert.Equal(["q", "h", "f"], video.Simulcast!.SendRids);
        Assert.Equal(3, video.Simulcast.Send.Count);
        Assert.Empty(video.Simulcast.Recv);
        Assert.All(video.Simulcast.Send, stream => Assert.False(stream.Single().Paused));
        Assert.Equal(["q", "h", "f"], video.SendRids.Select(r => r.Id));
        Assert.Empty(video.SsrcGroups);
        Assert.Equal(12, video.FindExtmapId("https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"));
    }

    [Fact]
    public void BrowserAnswer_IsActiveAndRecvOnly()
    {
        SessionDescription sdp = SdpFixtures.Parse(SdpFixtures.Read(SdpFixtures.AnswerAudioVideo));
        Assert.Equal(["0", "1", "2"], sdp.BundleMids);
        Assert.Empty(sdp.MsidSemantic!.Identifiers);
        Assert.Equal(SdpSetup.Active, sdp.Media[0].Setup);
        Assert.Equal(SdpDirection.RecvOnly, sdp.Media[0].Direction);
        Assert.Equal(SdpDirection.RecvOnly, sdp.Media[1].Direction);
        Assert.Empty(sdp.Media[0].Msids);
        Assert.Empty(sdp.Media[1].Ssrcs);
        Assert.Equal("U1tf", sdp.Media[2].IceUfrag);
        Assert.Equal(111, sdp.Media[0].FindCodec("opus")!.PayloadType);
    }
}
