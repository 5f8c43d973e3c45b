using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Sdp;

/// <summary>
/// Janus 1.1.2 VideoRoom (Debian package) as the load generator meets it (loadtest/compare-janus.sh): the answer to a
/// publisher's audio + video offer, captured from a real run (Fixtures/janus-1.1.2). The load generator reads it with
/// this parser, so what Janus writes must parse (issue 13 item 5: one SDP stack).
/// </summary>
public sealed class SdpParserJanusTests
{
    private static string Read(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "janus-1.1.2", name));

    [Fact]
    public void A_VideoRoom_publisher_answer_parses_with_what_the_load_generator_needs()
    {
        SessionDescription sdp = SdpFixtures.Parse(Read("videoroom-publisher-answer.sdp"));

        Assert.Equal("VideoRoom 4242", sdp.SessionName);
        Assert.Equal(["0", "1"], sdp.BundleMids);
        Assert.Equal(["trickle"], sdp.IceOptions);
        Assert.True(sdp.ExtmapAllowMixed);
        Assert.Equal("WMS", sdp.MsidSemantic!.Semantic);
        Assert.Equal(2, sdp.Media.Count);
        foreach (MediaDescription media in sdp.Media)
        {
            // Janus puts the fingerprint at session level only (RFC 8122 §5 allows either) and ICE per section.
            Assert.Empty(media.Fingerprints);
            Assert.Equal("sha-256", sdp.FingerprintFor(media)!.HashFunction);
            Assert.Equal(32, sdp.FingerprintFor(media)!.Value.Length);
            Assert.Equal("ebu/", sdp.IceUfragFor(media)); // '/' is an ice-char (RFC 8839 §5.4).
            Assert.Equal("pjXUQHSJxEwzOXEXWTmWFl", sdp.IcePwdFor(media));
            Assert.Equal(SdpSetup.Passive, sdp.SetupFor(media));
            Assert.Equal(SdpDirection.RecvOnly, media.Direction);
            Assert.True(media.RtcpMux);
            Assert.True(media.EndOfCandidates);
            SdpCandidate candidate = Assert.Single(media.Candidates);
            Assert.Equal(("udp", "10.77.9.2", 59822, "host"), (candidate.Transport, candidate.Address, candidate.Port, candidate.Type));
            Assert.Equal("janus", media.Msids.Single().StreamId);
            Assert.Equal("janus", media.FindSsrcAttribute(media.SsrcIds.Single(), "cname"));
        }
        Assert.Equal(111, sdp.Media[0].FindCodec("opus")!.PayloadType);
        SdpCodec vp8 = sdp.Media[1].FindCodec("VP8")!;
        Assert.Equal(96, vp8.PayloadType);
        Assert.Equal(["ccm fir", "nack", "nack pli", "goog-remb", "transport-cc"],
            vp8.Feedback.Select(f => f.Subtype is null ? f.Type : $"{f.Type} {f.Subtype}"));
    }

    [Fact]
    public void The_answer_survives_a_write_and_a_second_parse()
    {
        SessionDescription first = SdpFixtures.Parse(Read("videoroom-publisher-answer.sdp"));
        SessionDescription second = SdpFixtures.Parse(SdpWriter.Write(first));

        Assert.Equal(SdpFixtures.Dump(first), SdpFixtures.Dump(second));
    }
}
