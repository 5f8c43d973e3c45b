using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

public sealed class SfuNegotiatorOfferTests
{
    private static SfuNegotiator NewNegotiator(NegotiationOptions? options = null) =>
        new(options ?? new NegotiationOptions(), Local, seed: 42);

    private static OfferRequest Request(params SubscribedTrack[] tracks) => new(true, true, false, tracks);

    [Fact]
    public void First_offer_has_the_golden_structure()
    {
        var negotiator = NewNegotiator();
        var sdp = negotiator.CreateOffer(Request(Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)));

        Assert.EndsWith("\r\n", sdp);
        Assert.DoesNotContain("\n", sdp.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var sections = Sections(sdp);
        var session = sections[0];
        Assert.Equal("v=0", session[0]);
        Assert.Matches(@"^o=- \d+ 1 IN IP4 0\.0\.0\.0$", session[1]);
        Assert.Contains("a=ice-lite", session);
        Assert.Contains("a=group:BUNDLE 0 1 2 3", session);
        Assert.Equal(5, sections.Count);

        string[] mLines = [.. sections.Skip(1).Select(s => s[0])];
        Assert.Equal(
            ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video 9 UDP/TLS/RTP/SAVPF 96 97",
             "m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video 9 UDP/TLS/RTP/SAVPF 96 97"],
            mLines);
        string[] expectedDirections = ["a=recvonly", "a=recvonly", "a=sendonly", "a=sendonly"];
        for (int i = 1; i <= 4; i++)
        {
            var section = sections[i];
            Assert.Contains($"a=mid:{i - 1}", section);
            Assert.Contains(expectedDirections[i - 1], section);
            Assert.Contains("a=setup:actpass", section);
            Assert.Contains("a=rtcp-mux", section);
            Assert.Contains("a=rtcp-rsize", section);
            Assert.Contains("a=ice-ufrag:srvU", section);
            Assert.Contains("a=ice-pwd:serverpasswordserverpassword", section);
            Assert.Contains("a=fingerprint:" + Local.Fingerprint, section);
            Assert.Contains("a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", section);
            Assert.Equal("a=end-of-candidates", section[^1]);
        }

        // Fixed extension ids: audio gets audio-level, video gets rid/rrid.
        Assert.Equal(
            ["a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level",
             "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
             "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
             "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid"],
            sections[1].Where(l => l.StartsWith("a=extmap:", StringComparison.Ordinal)));
        Assert.Equal(
            ["a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time",
             "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01",
             "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
             "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id",
             "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"],
            sections[2].Where(l => l.StartsWith("a=extmap:", StringComparison.Ordinal)));

        Assert.Contains("a=rtpmap:111 opus/48000/2", sections[1]);
        Assert.Contains("a=fmtp:111 minptime=10;useinbandfec=1", sections[1]);
        Assert.Contains("a=rtcp-fb:111 transport-cc", sections[1]);
        Assert.Contains("a=rtpmap:96 VP8/90000", sections[2]);
        Assert.Contains("a=rtpmap:97 rtx/90000", sections[2]);
        Assert.Contains("a=fmtp:97 apt=96", sections[2]);
        foreach (var fb in new[] { "nack", "nack pli", "ccm fir", "goog-remb", "transport-cc" })
        {
            Assert.Contains("a=rtcp-fb:96 " + fb, sections[2]);
        }

        // Publish sections carry no msid/ssrc; subscribe sections carry the publisher's msid and server SSRCs.
        Assert.DoesNotContain(sections[1], l => l.StartsWith("a=ssrc", StringComparison.Ordinal) || l.StartsWith("a=msid:", StringComparison.Ordinal));
        var audioSlot = negotiator.PendingSlots![2];
        var videoSlot = negotiator.PendingSlots![3];
        Assert.Contains("a=msid:stream-a1 track-a1", sections[3]);
        Assert.Contains($"a=ssrc:{audioSlot.LocalSsrc} cname:cname-a1", sections[3]);
        Assert.Contains($"a=ssrc:{audioSlot.LocalSsrc} msid:stream-a1 track-a1", sections[3]);
        Assert.Equal(0u, audioSlot.LocalRtxSsrc);
        Assert.Contains($"a=ssrc-group:FID {videoSlot.LocalSsrc} {videoSlot.LocalRtxSsrc}", sections[4]);
        Assert.Contains($"a=ssrc:{videoSlot.LocalRtxSsrc} cname:cname-v1", sections[4]);
        Assert.NotEqual(0u, videoSlot.LocalSsrc);
        Assert.NotEqual(0u, videoSlot.LocalRtxSsrc);
    }

    [Fact]
    public void Offer_reads_back_through_the_shared_parser()
    {
        var negotiator = NewNegotiator();
        var sdp = negotiator.CreateOffer(Request(Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)));
        Assert.True(SdpParser.TryParse(sdp, out var parsed, out var error), error.ToString());
        Assert.True(parsed.IceLite);
        Assert.Equal(["0", "1", "2", "3"], parsed.BundleMids);
        Assert.All(parsed.Media, m => Assert.Equal(SdpSetup.ActPass, m.Setup));
        Assert.All(parsed.Media, m => Assert.Equal(Local.Fingerprint, m.Fingerprints[0].HashFunction + " " + m.Fingerprints[0].FormatValue()));
        Assert.Equal(97, parsed.Media[1].FindRtxFor(96));
        Assert.Equal(4, parsed.Media[3].FindExtmapId(HeaderExtensionSpec.MidUri));
        var video = parsed.Media[3];
        var slot = negotiator.PendingSlots![3];
        Assert.Equal([(slot.LocalSsrc, slot.LocalRtxSsrc)], video.RtxSsrcPairs);
        Assert.Equal("cname-v1", video.FindSsrcAttribute(slot.LocalSsrc, "cname"));
        Assert.Equal(new SdpMsid("stream-v1", "track-v1"), Assert.Single(video.Msids));
        Assert.Equal(sdp, SdpWriter.Write(parsed));
    }

    [Fact]
    public void Transport_candidates_are_accepted_in_every_usual_form()
    {
        var local = Local with
        {
            Candidates =
            [
                "candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host",
                "a=candidate:2 1 udp 2130771967 ::1 40000 typ host",
                "3 1 udp 2130706175 192.0.2.7 40000 typ host",
            ],
        };
        var sections = Sections(new SfuNegotiator(new NegotiationOptions(), local, 1).CreateOffer(Request()));
        Assert.Contains("a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host", sections[1]);
        Assert.Contains("a=candidate:2 1 udp 2130771967 ::1 40000 typ host", sections[1]);
        Assert.Contains("a=candidate:3 1 udp 2130706175 192.0.2.7 40000 typ host", sections[1]);
        Assert.Throws<ArgumentException>(() => new SfuNegotiator(new NegotiationOptions(), Local with { Candidates = ["candidate:1 1 udp x"] }, 1));
    }

    [Fact]
    public void Offer_is_deterministic_for_a_seed()
    {
        var request = Request(Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video));
        Assert.Equal(NewNegotiator().CreateOffer(request), NewNegotiator().CreateOffer(request));
        Assert.NotEqual(NewNegotiator().CreateOffer(request), new SfuNegotiator(new NegotiationOptions(), Local, 43).CreateOffer(request));
    }

    [Fact]
    public void Reoffer_keeps_mids_and_order_marks_removed_inactive_and_appends_new()
    {
        var negotiator = NewNegotiator();
        negotiator.CreateOffer(Request(Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)));
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out var error), error);
        var oldVideoSsrc = negotiator.Slots[3].LocalSsrc;

        var sdp = negotiator.CreateOffer(Request(Track("v1", MediaKind.Video), Track("a2", MediaKind.Audio), Track("v2", MediaKind.Video)));
        var sections = Sections(sdp);
        Assert.Matches(@"^o=- \d+ 2 IN IP4", sections[0][1]);
        Assert.Contains("a=group:BUNDLE 0 1 2 3 4 5", sections[0]);
        Assert.Equal(7, sections.Count);
        for (int i = 1; i < sections.Count; i++)
        {
            Assert.Contains($"a=mid:{i - 1}", sections[i]);
        }
        // a1 left: its section is inactive, without msid or SSRCs; v1 keeps its section and SSRC.
        Assert.Contains("a=inactive", sections[3]);
        Assert.DoesNotContain(sections[3], l => l.StartsWith("a=ssrc", StringComparison.Ordinal) || l.StartsWith("a=msid:", StringComparison.Ordinal));
        Assert.Contains("a=sendonly", sections[4]);
        Assert.Equal(oldVideoSsrc, negotiator.PendingSlots![3].LocalSsrc);
        // The freed audio section is not reused in the same offer: a2 is appended.
        Assert.Equal("m=audio 9 UDP/TLS/RTP/SAVPF 111", sections[5][0]);
        Assert.Contains("a=msid:stream-a2 track-a2", sections[5]);
        Assert.Equal("m=video 9 UDP/TLS/RTP/SAVPF 96 97", sections[6][0]);
        Assert.Contains("a=msid:stream-v2 track-v2", sections[6]);
    }

    [Fact]
    public void Idle_section_is_reused_with_the_same_mid_and_new_ssrcs()
    {
        var negotiator = NewNegotiator();
        negotiator.CreateOffer(Request(Track("a1", MediaKind.Audio)));
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out var error), error);
        uint firstSsrc = negotiator.Slots[2].LocalSsrc;
        negotiator.CreateOffer(Request());
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out error), error);
        Assert.True(negotiator.Slots[2].IsReusable);

        var sdp = negotiator.CreateOffer(Request(Track("a3", MediaKind.Audio)));
        var sections = Sections(sdp);
        Assert.Equal(4, sections.Count);
        Assert.Contains("a=mid:2", sections[3]);
        Assert.Contains("a=sendonly", sections[3]);
        Assert.Contains("a=msid:stream-a3 track-a3", sections[3]);
        var slot = negotiator.PendingSlots![2];
        Assert.Equal("a3", slot.Track!.TrackId);
        Assert.NotEqual(firstSsrc, slot.LocalSsrc);
    }

    [Fact]
    public void Publish_slots_follow_the_request()
    {
        var negotiator = NewNegotiator();
        var sections = Sections(negotiator.CreateOffer(new OfferRequest(true, true, true, [])));
        Assert.Equal(4, sections.Count);
        Assert.Equal("m=video 9 UDP/TLS/RTP/SAVPF 96 97", sections[3][0]);
        Assert.Equal(SlotPurpose.PublishScreen, negotiator.PendingSlots![2].Purpose);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out var error), error);

        sections = Sections(negotiator.CreateOffer(new OfferRequest(true, true, false, [])));
        Assert.Contains("a=inactive", sections[3]);
        Assert.Contains("a=recvonly", sections[2]);
    }

    [Fact]
    public void Configured_codecs_keep_their_fixed_payload_types()
    {
        var options = new NegotiationOptions { Codecs = [CodecSpec.Opus, CodecSpec.Vp8, CodecSpec.Vp9, CodecSpec.H264, CodecSpec.Av1] };
        var negotiator = NewNegotiator(options);
        var sections = Sections(negotiator.CreateOffer(Request()));
        Assert.Equal("m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 102 103 45 46", sections[2][0]);
        Assert.Contains("a=fmtp:99 apt=98", sections[2]);
        Assert.Contains("a=fmtp:103 apt=102", sections[2]);
        Assert.Contains("a=fmtp:46 apt=45", sections[2]);
        Assert.Contains("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", sections[2]);
    }

    [Fact]
    public void Subscription_payload_types_restrict_the_offered_codecs()
    {
        var options = new NegotiationOptions { Codecs = [CodecSpec.Opus, CodecSpec.Vp8, CodecSpec.H264] };
        var negotiator = NewNegotiator(options);
        var track = Track("v1", MediaKind.Video) with { PayloadTypes = [102] };
        var sections = Sections(negotiator.CreateOffer(new OfferRequest(false, false, false, [track])));
        Assert.Equal("m=video 9 UDP/TLS/RTP/SAVPF 102 103", sections[1][0]);
    }

    [Fact]
    public void Simulcast_rids_are_offered_on_the_camera_section()
    {
        var negotiator = NewNegotiator(new NegotiationOptions { CameraSimulcastRids = ["h", "m", "l"] });
        var sections = Sections(negotiator.CreateOffer(Request()));
        Assert.Contains("a=rid:h recv", sections[2]);
        Assert.Contains("a=rid:l recv", sections[2]);
        Assert.Contains("a=simulcast:recv h;m;l", sections[2]);
        Assert.DoesNotContain(sections[1], l => l.StartsWith("a=rid", StringComparison.Ordinal));
    }

    [Fact]
    public void Too_many_sections_is_refused_with_a_clear_error()
    {
        var negotiator = NewNegotiator(new NegotiationOptions { MaxMediaSections = 4 });
        var tracks = Enumerable.Range(0, 3).Select(i => Track("t" + i, MediaKind.Audio)).ToArray();
        Assert.False(negotiator.TryCreateOffer(Request(tracks), out _, out var error));
        Assert.Contains("more than 4 m= sections", error, StringComparison.Ordinal);
        Assert.False(negotiator.HasPendingOffer);
        Assert.True(negotiator.TryCreateOffer(Request(tracks[..2]), out _, out error), error);
    }

    [Fact]
    public void Only_one_offer_may_be_outstanding_until_answered_or_rolled_back()
    {
        var negotiator = NewNegotiator();
        negotiator.CreateOffer(Request());
        Assert.False(negotiator.TryCreateOffer(Request(), out _, out var error));
        Assert.Contains("outstanding", error, StringComparison.Ordinal);
        negotiator.RollbackPendingOffer();
        Assert.Empty(negotiator.Slots);
        Assert.True(negotiator.TryCreateOffer(Request(), out var sdp, out error), error);
        Assert.Matches(@"o=- \d+ 2 IN IP4", sdp);
    }

    [Theory]
    [InlineData("bad id", "s", "t", "track id")]
    [InlineData("id", "s\r\na=evil", "t", "msid")]
    [InlineData("id", "s", "", "msid")]
    public void Subscription_values_cannot_inject_sdp(string trackId, string streamId, string msidTrack, string expected)
    {
        var negotiator = NewNegotiator();
        var track = new SubscribedTrack(trackId, MediaKind.Audio, streamId, msidTrack, "cname");
        Assert.False(negotiator.TryCreateOffer(Request(track), out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_subscription_is_refused()
    {
        var negotiator = NewNegotiator();
        Assert.False(negotiator.TryCreateOffer(Request(Track("a", MediaKind.Audio), Track("a", MediaKind.Audio)), out _, out var error));
        Assert.Contains("twice", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_and_transport_parameters_are_refused_at_construction()
    {
        Assert.Throws<ArgumentException>(() => new SfuNegotiator(
            new NegotiationOptions { Codecs = [CodecSpec.Opus, CodecSpec.Vp8 with { RtxPayloadType = 111 }] }, Local, 1));
        Assert.Throws<ArgumentException>(() => new SfuNegotiator(
            new NegotiationOptions { HeaderExtensions = [new HeaderExtensionSpec(15, "urn:x", HeaderExtensionKinds.Audio)] }, Local, 1));
        Assert.Throws<ArgumentException>(() => new SfuNegotiator(new NegotiationOptions(), Local with { Fingerprint = "sha-1 01:02" }, 1));
        Assert.Throws<ArgumentException>(() => new SfuNegotiator(new NegotiationOptions(), Local with { IcePwd = "short" }, 1));
    }
}
