using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using static DigitalWeRoom.Sfu.Rooms.Tests.Negotiation.TestAnswers;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

public sealed class SfuNegotiatorAnswerTests
{
    private static SfuNegotiator Offered(out string offer, NegotiationOptions? options = null)
    {
        var negotiator = new SfuNegotiator(options ?? new NegotiationOptions(), Local, seed: 7);
        offer = negotiator.CreateOffer(new OfferRequest(true, true, false,
            [Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)]));
        return negotiator;
    }

    private static string Apply(SfuNegotiator negotiator, string answer)
    {
        Assert.False(negotiator.TryApplyAnswer(answer, out var result, out var error));
        Assert.Null(result);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.True(negotiator.HasPendingOffer);
        return error;
    }

    [Fact]
    public void Valid_answer_yields_transport_and_publish_parameters()
    {
        var negotiator = Offered(out _);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out var result, out var error), error);

        Assert.Equal(ClientUfrag, result.RemoteIceUfrag);
        Assert.Equal(ClientPwd, result.RemoteIcePwd);
        Assert.Equal("sha-256", result.RemoteFingerprint.HashFunction);
        Assert.Equal(32, result.RemoteFingerprint.Value.Length);
        Assert.Equal(0x45, result.RemoteFingerprint.Value[0]);
        Assert.Equal(0xA6, result.RemoteFingerprint.Value[31]);
        Assert.Equal(DtlsRole.Server, result.LocalDtlsRole);
        Assert.False(negotiator.HasPendingOffer);
        Assert.Same(result, negotiator.Current);
        Assert.Equal(4, negotiator.Slots.Count);

        var audio = result.Media[0];
        Assert.Equal(("0", SlotPurpose.PublishAudio, SdpDirection.SendOnly), (audio.Mid, audio.Purpose, audio.AnswerDirection));
        Assert.True(audio.ClientSends);
        var audioStream = Assert.Single(audio.RemoteStreams);
        Assert.Equal(new RemoteSendStream(AudioSsrc, null, "clientcname"), audioStream);
        var opus = Assert.Single(audio.Codecs);
        Assert.Equal((111, "opus", 48000, 2, "minptime=10;useinbandfec=1"), ((int)opus.PayloadType, opus.Name, opus.ClockRate, opus.Channels, opus.Fmtp));
        Assert.Equal(["transport-cc"], opus.RtcpFeedback);
        Assert.False(audio.NegotiatedNack); // our Opus has no nack: a consumer of it keeps no retransmission buffer
        Assert.Equal([1, 2, 3, 4], audio.HeaderExtensions.Select(e => (int)e.Id));
        Assert.Equal(1, audio.HeaderExtensionId(HeaderExtensionSpec.AudioLevelUri));
        Assert.Equal(("client-stream", "client-track-0"), (audio.RemoteStreamId, audio.RemoteTrackId));

        var video = result.Media[1];
        Assert.Equal(new RemoteSendStream(VideoSsrc, VideoRtxSsrc, "clientcname"), Assert.Single(video.RemoteStreams));
        var vp8 = Assert.Single(video.Codecs);
        Assert.Equal((96, (byte?)97), ((int)vp8.PayloadType, vp8.RtxPayloadType));
        Assert.Equal(5, vp8.RtcpFeedback.Count);
        Assert.True(video.NegotiatedNack);
        Assert.Equal(10, video.HeaderExtensionId(HeaderExtensionSpec.RtpStreamIdUri));
        Assert.Equal(0, video.HeaderExtensionId(HeaderExtensionSpec.AudioLevelUri));

        var subscribed = result.Media[3];
        Assert.Equal((SlotPurpose.Subscribe, SdpDirection.RecvOnly), (subscribed.Purpose, subscribed.AnswerDirection));
        Assert.True(subscribed.ClientReceives);
        Assert.False(subscribed.ClientSends);
        Assert.Equal("v1", subscribed.Track!.TrackId);
        Assert.Equal(negotiator.Slots[3].LocalSsrc, subscribed.LocalSsrc);
        Assert.Equal(negotiator.Slots[3].LocalRtxSsrc, subscribed.LocalRtxSsrc);
        Assert.Empty(subscribed.RemoteStreams);
    }

    [Fact]
    public void Setup_passive_makes_the_server_the_dtls_client()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace("a=setup:active", "a=setup:passive", StringComparison.Ordinal);
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        Assert.Equal(DtlsRole.Client, result.LocalDtlsRole);
    }

    [Fact]
    public void Client_may_refuse_to_publish()
    {
        var negotiator = Offered(out _);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator, publish: false), out var result, out var error), error);
        Assert.Equal(SdpDirection.Inactive, result.Media[0].AnswerDirection);
        Assert.False(result.Media[0].ClientSends);
        Assert.Empty(result.Media[0].RemoteStreams);
    }

    [Fact]
    public void Wrong_mid_order_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator)
            .Replace("a=mid:0\r\n", "a=mid:X\r\n", StringComparison.Ordinal)
            .Replace("a=mid:2\r\n", "a=mid:0\r\n", StringComparison.Ordinal)
            .Replace("a=mid:X\r\n", "a=mid:2\r\n", StringComparison.Ordinal);
        var error = Apply(negotiator, answer);
        Assert.Contains("mid is '2', expected '0'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_fingerprint_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = string.Join("\r\n", Lines(For(negotiator)).Where(l => !l.StartsWith("a=fingerprint", StringComparison.Ordinal))) + "\r\n";
        Assert.Contains("no a=fingerprint", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_without_sha256_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace(ClientFingerprint, "sha-1 45:97:08:B1:B8:37:F5:D5:C5:D1:44:87:F9:B4:74:C7:43:87:C2:F8", StringComparison.Ordinal);
        Assert.Contains("no sha-256", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Codec_not_offered_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 96 97 100\r\n", StringComparison.Ordinal);
        Assert.Contains("payload type 100 was not offered", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Offered_payload_type_with_another_codec_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 H264/90000", StringComparison.Ordinal);
        Assert.Contains("payload type 96 is 'H264/90000', the server offered 'VP8/90000'", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Rtx_without_its_codec_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace("m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n", "m=video 9 UDP/TLS/RTP/SAVPF 97\r\n", StringComparison.Ordinal);
        Assert.Contains("RTX payload type 97 is answered without its codec 96", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Media_section_count_mismatch_is_rejected()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator);
        answer = answer[..answer.LastIndexOf("m=video", StringComparison.Ordinal)];
        Assert.Contains("answer has 3 m= sections; the offer had 4", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Oversize_answer_is_rejected_before_parsing()
    {
        var negotiator = Offered(out _, new NegotiationOptions { MaxSdpLength = 1024 });
        var answer = For(negotiator);
        Assert.True(answer.Length > 1024);
        Assert.Contains($"answer is {answer.Length} characters; the limit is 1024", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=setup:active", "a=setup:actpass", "actpass")]
    [InlineData("a=setup:active\r\n", "", "no a=setup")]
    [InlineData("a=rtcp-mux\r\n", "", "rtcp-mux")]
    [InlineData("a=group:BUNDLE 0 1 2 3", "a=group:BUNDLE 0 1 2", "BUNDLE")]
    [InlineData("a=group:BUNDLE 0 1 2 3\r\n", "", "BUNDLE")]
    [InlineData("a=ice-ufrag:U1tf\r\n", "", "ice-ufrag")]
    [InlineData("a=ice-pwd:CFB7qFbc2NTvSwQSoJvC5s4D", "a=ice-pwd:short", "ICE credential")]
    [InlineData("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid", "a=extmap:5 urn:ietf:params:rtp-hdrext:sdes:mid", "header extension 5")]
    [InlineData("a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level", "a=extmap:1 urn:ietf:params:rtp-hdrext:toffset", "header extension 1")]
    [InlineData("a=recvonly", "a=sendonly", "sendonly is not allowed for an offered sendonly")]
    [InlineData("UDP/TLS/RTP/SAVPF", "RTP/AVP", "protocol")]
    [InlineData("m=audio 9", "m=video 9", "media is 'video'")]
    [InlineData("v=0", "v=1", "v=0")]
    [InlineData("a=ssrc-group:FID 2222222222 3333333333", "a=ssrc-group:FID 2222222222 9", "ssrc-group:FID")]
    [InlineData("a=ssrc:1111111111 cname", "a=ssrc:0 cname", "non-zero")]
    [InlineData("s=-\r\n", "s=-\r\n\r\n", "empty line")]
    [InlineData("t=0 0", "t 0 0", "expected <letter>=<value>")]
    [InlineData("a=mid:1\r\n", "", "no a=mid")]
    public void Malformed_or_unacceptable_answers_are_rejected_with_a_clear_error(string find, string replace, string expected)
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator);
        Assert.Contains(find, answer, StringComparison.Ordinal);
        var error = Apply(negotiator, answer.Replace(find, replace, StringComparison.Ordinal));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejections_carry_a_drop_reason()
    {
        var negotiator = Offered(out _, new NegotiationOptions { MaxSdpLength = 1024 });
        Assert.False(negotiator.TryApplyAnswer(For(negotiator), out _, out _, out var reason));
        Assert.Equal(DropReason.TooLarge, reason);

        negotiator = Offered(out _);
        Assert.False(negotiator.TryApplyAnswer("v=0\r\nx", out _, out _, out reason));
        Assert.Equal(DropReason.SdpMalformed, reason);
        Assert.False(negotiator.TryApplyAnswer(For(negotiator).Replace("a=setup:active", "a=setup:actpass", StringComparison.Ordinal), out _, out _, out reason));
        Assert.Equal(DropReason.SdpAnswerRejected, reason);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out _, out reason));
        Assert.Equal(DropReason.None, reason);
    }

    [Fact]
    public void Syntax_error_names_the_line_number()
    {
        var negotiator = Offered(out _);
        var lines = Lines(For(negotiator));
        int index = Array.IndexOf(lines, "a=rtpmap:96 VP8/90000");
        lines[index] = "a=rtpmap:96 VP8";
        var error = Apply(negotiator, string.Join("\r\n", lines));
        Assert.StartsWith($"answer is not valid SDP: SDP line {index + 1}: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Semantic_error_names_the_section_and_mid()
    {
        var negotiator = Offered(out _);
        var answer = For(negotiator).Replace("a=rtpmap:96 VP8/90000", "a=rtpmap:96 VP9/90000", StringComparison.Ordinal);
        Assert.StartsWith("m= section 1 (mid 1): payload type 96 is 'VP9/90000', the server offered 'VP8/90000'", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Failed_answer_keeps_the_offer_outstanding_for_a_corrected_one()
    {
        var negotiator = Offered(out _);
        Apply(negotiator, For(negotiator).Replace("a=setup:active", "a=setup:actpass", StringComparison.Ordinal));
        Assert.Empty(negotiator.Slots);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out _, out var error), error);
    }

    [Fact]
    public void Answer_without_an_offer_is_rejected()
    {
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, 1);
        Assert.False(negotiator.TryApplyAnswer("v=0\r\n", out _, out var error));
        Assert.Equal("no offer is outstanding", error);
    }

    [Fact]
    public void Rejected_section_stays_port_zero_and_is_never_reused()
    {
        var negotiator = Offered(out _);
        var sections = Sections(For(negotiator));
        // The page stopped the transceiver of mid 2 (subscribed audio): port 0, out of BUNDLE.
        sections[3] = ["m=audio 0 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:2", "a=inactive"];
        sections[0] = [.. sections[0].Select(l => l == "a=group:BUNDLE 0 1 2 3" ? "a=group:BUNDLE 0 1 3" : l)];
        var answer = string.Join("\r\n", sections.SelectMany(s => s)) + "\r\n";
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        Assert.True(result.Media[2].Rejected);
        Assert.False(result.Media[2].ClientReceives);

        var offer = negotiator.CreateOffer(new OfferRequest(true, true, false, [Track("a1", MediaKind.Audio), Track("v1", MediaKind.Video)]));
        var offered = Sections(offer);
        Assert.Equal("m=audio 0 UDP/TLS/RTP/SAVPF 111", offered[3][0]);
        Assert.Contains("a=group:BUNDLE 0 1 3 4", offered[0]);
        Assert.Contains("a=msid:stream-a1 track-a1", offered[5]);
        Assert.True(negotiator.TryApplyAnswer(For(negotiator), out result, out error), error);
        Assert.True(result.Media[2].Rejected);
        Assert.True(result.Media[4].ClientReceives);
    }

    [Fact]
    public void Answer_may_not_revive_a_rejected_section()
    {
        var negotiator = Offered(out _);
        var sections = Sections(For(negotiator));
        sections[3] = ["m=audio 0 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:2", "a=inactive"];
        Assert.True(negotiator.TryApplyAnswer(string.Join("\r\n", sections.SelectMany(s => s)), out _, out var error), error);
        negotiator.CreateOffer(new OfferRequest(true, true, false, []));
        var revived = For(negotiator).Replace("m=audio 0 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=inactive\r\na=rtcp-mux", StringComparison.Ordinal);
        Assert.Contains("port 0", Apply(negotiator, revived), StringComparison.Ordinal);
    }

    [Fact]
    public void Client_ssrc_equal_to_a_server_ssrc_is_rejected()
    {
        var negotiator = Offered(out _);
        uint serverSsrc = negotiator.PendingSlots![2].LocalSsrc;
        var answer = For(negotiator).Replace(AudioSsrc.ToString(System.Globalization.CultureInfo.InvariantCulture),
            serverSsrc.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Contains("collides", Apply(negotiator, answer), StringComparison.Ordinal);
    }

    [Fact]
    public void Simulcast_rids_of_the_client_are_extracted()
    {
        var negotiator = Offered(out _, new NegotiationOptions { CameraSimulcastRids = ["h", "m", "l"] });
        var answer = For(negotiator).Replace("a=mid:1\r\n",
            "a=mid:1\r\na=rid:h send\r\na=rid:m send\r\na=rid:l send\r\na=simulcast:send h;m;l\r\n", StringComparison.Ordinal);
        Assert.True(negotiator.TryApplyAnswer(answer, out var result, out var error), error);
        Assert.Equal(["h", "m", "l"], result.Media[1].RemoteRids);
    }

    [Fact]
    public void Answer_to_another_offer_is_rejected()
    {
        // A real Chromium 156 answer, but to the browser's own offer (3 sections, its own codecs).
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Negotiation", "Fixtures", "answer-audio-video-browser.sdp"));
        var negotiator = new SfuNegotiator(new NegotiationOptions(), Local, 5);
        negotiator.CreateOffer(new OfferRequest(true, true, false, [Track("a1", MediaKind.Audio)]));
        var error = Apply(negotiator, text);
        Assert.Contains("answer direction recvonly is not allowed for an offered recvonly", error, StringComparison.Ordinal);
    }
}
