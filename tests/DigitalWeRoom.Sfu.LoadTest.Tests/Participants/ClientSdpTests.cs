using System.Net;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Participants;

/// <summary>The load generator speaks SDP through the server's own stack: what it writes, that stack reads back.</summary>
public sealed class ClientSdpTests
{
    private static readonly IPEndPoint Local = new(IPAddress.Loopback, 6000);

    [Fact]
    public void Publisher_offer_is_read_back_by_the_server_parser_with_our_sections_and_candidate()
    {
        string offer = ClientSdp.PublisherOffer("uf01", "pw0123456789012345678901", "sha-256 CC:DD", Local, 0x111, 0x222, audio: true, video: true);

        Assert.True(SdpParser.TryParse(offer, out var parsed, out var error), error.ToString());
        Assert.True(parsed.IceLite);
        Assert.Equal(["0", "1"], parsed.BundleMids);
        var remote = ClientSdp.Parse(offer);
        Assert.Equal(("uf01", "pw0123456789012345678901", "sha-256", "CC:DD"), (remote.Ufrag, remote.Password, remote.FingerprintAlgorithm, remote.Fingerprint));
        Assert.Equal([("audio", "0", 111, "sendonly", 0x111u), ("video", "1", 96, "sendonly", 0x222u)],
            remote.Sections.Select(s => (s.Kind, s.Mid, s.PayloadType, s.Direction, s.Ssrc)));
        Assert.Equal([Local], remote.Candidates);
    }

    [Fact]
    public void Subscriber_answer_receives_what_is_offered_and_leaves_the_rest_inactive()
    {
        string offer = string.Join("\r\n",
            "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE a v d",
            "m=audio 5000 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 127.0.0.1", "a=mid:a", "a=sendonly", "a=rtpmap:111 opus/48000/2",
            "a=ice-ufrag:abcd", "a=ice-pwd:0123456789012345678901", "a=fingerprint:sha-256 AA:BB", "a=setup:actpass",
            "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host", "a=candidate:2 1 tcp 1 127.0.0.1 5001 typ host",
            "m=video 5000 UDP/TLS/RTP/SAVPF 100 96", "c=IN IP4 127.0.0.1", "a=mid:v", "a=sendonly", "a=rtpmap:100 H264/90000", "a=rtpmap:96 VP8/90000",
            "a=ssrc:42 cname:x", "a=msid:s t",
            "m=video 0 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 127.0.0.1", "a=mid:d", "a=inactive", "a=rtpmap:96 VP8/90000", "");
        var remote = ClientSdp.Parse(offer);
        Assert.Equal([("a", 111, "sendonly"), ("v", 96, "sendonly"), ("d", 96, "inactive")], remote.Sections.Select(s => (s.Mid, s.PayloadType, s.Direction)));
        Assert.Equal((42u, "t"), (remote.Sections[1].Ssrc, remote.Sections[1].MsidTrack));
        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 5000)], remote.Candidates); // UDP only

        string answer = ClientSdp.SubscriberAnswer(remote, "uf01", "pw0123456789012345678901", "sha-256 CC:DD", Local);
        Assert.True(SdpParser.TryParse(answer, out var parsed, out var error), error.ToString());
        Assert.Equal([SdpDirection.RecvOnly, SdpDirection.RecvOnly, SdpDirection.Inactive], parsed.Media.Select(m => m.Direction));
        Assert.All(parsed.Media, m => Assert.Equal(SdpSetup.Active, m.Setup));
    }

    [Fact]
    public void A_description_the_parser_refuses_gives_no_sections_and_no_candidates()
    {
        var remote = ClientSdp.Parse("m=audio 5000 RTP/AVP 0\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\n");
        Assert.Empty(remote.Sections);
        Assert.Empty(remote.Candidates);
    }
}
