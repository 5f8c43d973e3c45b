using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using DigitalWeRoom.Sfu.LoadTest.Janus;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Simulcast;

/// <summary>The synthetic simulcast layers' packets, the subscriber's receive check, and the answer to a simulcast offer.</summary>
public class SimulcastStreamTests
{
    private static readonly long Second = Stopwatch.Frequency;
    private static readonly MediaProfile Profile = new() { VideoFps = 30, KeyFrameInterval = TimeSpan.FromSeconds(1), Simulcast = SimulcastLayer.Default };

    [Fact]
    public void Layers_OwnSsrcAndBitrate_MidRidUntilAcknowledged_PictureIdPerFrame_KeyFrameSize()
    {
        var plan = ScenarioPlan.Meeting(2, TimeSpan.FromSeconds(1));
        var p = new SyntheticParticipant(plan.Participants[0], Profile, 2);
        Assert.True(p.Simulcast);
        Assert.Equal(["q", "h", "f"], p.VideoLayers.Select(v => v.Rid));
        Assert.Equal(3, p.VideoLayers.Select(v => v.Ssrc).Distinct().Count());
        for (int layer = 0; layer < 3; layer++)
        {
            var stream = p.VideoLayers[layer];
            stream.UseMidRid("1", 4, 10);
            var sink = new CapturingSink();
            stream.Start(0);
            for (long t = 0; t < Second; t += Second / 1000) stream.SendDue(t, sink);
            long bytes = sink.Packets.Sum(x => x.Length);
            // One second of frames: the layer's bitrate in payload, plus headers.
            Assert.InRange(bytes * 8, Profile.Simulcast![layer].Bitrate, Profile.Simulcast[layer].Bitrate * 1.15);
            int? lastPictureId = null;
            foreach (var packet in sink.Packets)
            {
                Assert.True(RtpPacketView.TryParse(packet, out var view, out DropReason reason), reason.ToString());
                Assert.Equal(stream.Ssrc, view.Ssrc);
                Assert.True(view.TryGetExtension(4, out var mid));
                Assert.True(view.TryGetExtension(10, out var rid));
                Assert.Equal("1", Encoding.ASCII.GetString(mid));
                Assert.Equal(stream.Rid, Encoding.ASCII.GetString(rid));
                Assert.True(SyntheticStamp.TryRead(packet, out var stamp));
                Assert.Equal(layer, stamp.Layer);
                ReadOnlySpan<byte> vp8 = view.Payload;
                Assert.Equal(0x80, vp8[0] & 0x80); // X
                Assert.Equal(0x80, vp8[1] & 0x80); // I
                Assert.Equal(0x80, vp8[2] & 0x80); // M: 15-bit PictureID
                int pictureId = BinaryPrimitives.ReadUInt16BigEndian(vp8[2..]) & 0x7FFF;
                if ((vp8[0] & 0x10) != 0)
                {
                    if (lastPictureId is int last) Assert.Equal((last + 1) & 0x7FFF, pictureId);
                    lastPictureId = pictureId;
                    if (stamp.KeyFrame)
                    {
                        Assert.Equal(0, vp8[4] & 1);
                        Assert.Equal([0x9D, 0x01, 0x2A], vp8.Slice(7, 3).ToArray());
                        Assert.Equal(Profile.Simulcast[layer].Width, BinaryPrimitives.ReadUInt16LittleEndian(vp8[10..]));
                        Assert.Equal(Profile.Simulcast[layer].Height, BinaryPrimitives.ReadUInt16LittleEndian(vp8[12..]));
                    }
                }
                else
                {
                    Assert.Equal(lastPictureId, pictureId);
                }
            }
            Assert.Equal(30, sink.Packets.Count(IsFrameStart));
            // Acknowledged (a receiver report named the SSRC): no more extensions.
            stream.Acknowledge();
            sink.Packets.Clear();
            stream.SendDue(Second + (Second / 30), sink);
            Assert.NotEmpty(sink.Packets);
            Assert.All(sink.Packets, x => Assert.Equal(0, x[0] & 0x10));
        }
    }

    [Fact]
    public void InactiveLayer_SendsNothing_ThenStartsWithAKeyFrame()
    {
        var stream = new SyntheticStream(0, StreamKind.Video, 1, Profile, SimulcastLayer.Default[1], 1);
        var sink = new CapturingSink();
        stream.Start(0);
        stream.SendDue(Second / 10, sink); // frames 0..3, key frame first
        stream.Active = false;
        int before = sink.Packets.Count;
        stream.SendDue(Second / 2, sink);
        Assert.Equal(before, sink.Packets.Count);
        stream.Active = true;
        stream.SendDue((Second / 2) + (Second / 30), sink);
        Assert.True(sink.Packets.Count > before);
        Assert.True(SyntheticStamp.TryRead(sink.Packets[before], out var stamp) && stamp.KeyFrame, "first packet after re-activation starts a key frame");
    }

    [Fact]
    public void ReceiveCheck_CountsGapsDuplicatesAndSwitches()
    {
        var check = new VideoReceiveCheck();
        check.OnPacket(Rtp(100, 7, frameStart: true, pictureId: 5), 0, keyFrameStart: true, 10);
        check.OnPacket(Rtp(101, 7, frameStart: true, pictureId: 6), 0, false, 10);
        check.OnPacket(Rtp(101, 7, frameStart: true, pictureId: 6), 0, false, 10); // duplicate
        check.OnPacket(Rtp(102, 7, frameStart: true, pictureId: 7), 2, keyFrameStart: true, 10); // clean switch
        check.OnPacket(Rtp(105, 7, frameStart: true, pictureId: 8), 2, false, 10); // 2 lost
        check.OnPacket(Rtp(106, 7, frameStart: true, pictureId: 20), 0, false, 10); // bad switch, PictureID jump
        check.OnPacket(Rtp(104, 7, frameStart: false, pictureId: 20), 0, false, 10); // late: fills a gap
        Assert.True(check.FirstWasKeyFrame);
        Assert.Equal(1, check.Duplicates);
        Assert.Equal(1, check.SequenceGaps);
        Assert.Equal(1, check.Reordered);
        Assert.Equal(1, check.PictureIdJumps);
        Assert.Equal([new LayerSwitch(0, 2, true, true, true, 3), new LayerSwitch(2, 0, false, true, false, 5)], check.Switches);
        Assert.Equal(4, check.PacketsOfLayer(0)); // 100, 101, 106, 104: the duplicate is not counted
        Assert.Equal(2, check.PacketsOfLayer(2));
    }

    [Fact]
    public void ServerAnswer_ToASimulcastOffer_HasRidsSimulcastAndExtmaps_NoSsrc()
    {
        string offer = string.Join("\r\n",
            "v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=ice-lite", "a=group:BUNDLE 0 1",
            "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:0", "a=recvonly", "a=rtpmap:111 opus/48000/2", "a=ice-ufrag:abcd", "a=ice-pwd:0123456789012345678901",
            "a=fingerprint:sha-256 AA:BB", "a=candidate:1 1 udp 1 127.0.0.1 5000 typ host",
            "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "a=mid:1", "a=recvonly", "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
            "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id", "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id",
            "a=rtpmap:96 VP8/90000", "a=rtpmap:97 rtx/90000", "a=rid:q recv", "a=rid:h recv", "a=rid:f recv", "a=simulcast:recv q;h;f", "");
        var remote = ClientSdp.Parse(offer);
        Assert.Equal(["q", "h", "f"], remote.Sections[1].RecvRids);
        (string Mid, IReadOnlyList<string> Rids)? camera = null;
        string answer = ClientSdp.ServerAnswer(remote, "uf01", "pw0123456789012345678901", "sha-256 CC:DD", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 6000),
            0x111, 0, ["q", "h", "f"], (s, rids) => camera = (s.Mid, rids));
        Assert.Equal("1", camera!.Value.Mid);
        Assert.Equal(["q", "h", "f"], camera.Value.Rids);
        string video = answer[answer.IndexOf("m=video", StringComparison.Ordinal)..];
        Assert.Contains("a=sendonly", video);
        Assert.Contains("a=rid:q send\r\na=rid:h send\r\na=rid:f send\r\na=simulcast:send q;h;f\r\n", video);
        Assert.Contains("a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n", video);
        Assert.Contains("a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n", video);
        Assert.DoesNotContain("a=ssrc:", video);
    }

    private static bool IsFrameStart(byte[] packet)
    {
        int at = 12 + ((packet[0] & 0x10) != 0 ? 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(14))) : 0);
        return (packet[at] & 0x10) != 0;
    }

    private static byte[] Rtp(ushort seq, uint ssrc, bool frameStart, int pictureId)
    {
        var p = new byte[12 + 4 + 40];
        p[0] = 0x80;
        p[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), ssrc);
        p[12] = (byte)(0x80 | (frameStart ? 0x10 : 0));
        p[13] = 0x80;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(14), (ushort)(0x8000 | pictureId));
        return p;
    }
}
