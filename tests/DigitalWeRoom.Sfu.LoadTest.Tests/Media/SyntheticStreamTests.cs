using System.Buffers.Binary;
using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Media;

public class SyntheticStreamTests
{
    private static readonly long Second = Stopwatch.Frequency;

    [Fact]
    public void Audio_Sends50PacketsPerSecond_WithStampAndRtpTiming()
    {
        var sink = new CapturingSink();
        var stream = new SyntheticStream(7, StreamKind.Audio, 0xAA, new MediaProfile());
        stream.Start(0);
        for (long t = 0; t < Second; t += Second / 500) stream.SendDue(t, sink);
        Assert.Equal(50, sink.Packets.Count);
        for (int i = 0; i < sink.Packets.Count; i++)
        {
            byte[] p = sink.Packets[i];
            Assert.Equal(12 + 160, p.Length);
            Assert.Equal(MediaProfile.AudioPayloadType, p[1] & 0x7F);
            Assert.Equal(0xAAu, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)));
            Assert.True(SyntheticStamp.TryRead(p, out var stamp));
            Assert.Equal(new { Publisher = 7, Kind = StreamKind.Audio, Sequence = (long)i }, new { stamp.Publisher, stamp.Kind, stamp.Sequence });
            if (i > 0)
            {
                Assert.Equal((ushort)(BinaryPrimitives.ReadUInt16BigEndian(sink.Packets[i - 1].AsSpan(2)) + 1), BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(2)));
                Assert.Equal(BinaryPrimitives.ReadUInt32BigEndian(sink.Packets[i - 1].AsSpan(4)) + 960, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)));
            }
        }
    }

    [Fact]
    public void Video_FramesOfEqualPackets_MarkerOnLast_KeyFrames()
    {
        var profile = new MediaProfile { VideoBitrate = 1_500_000, VideoFps = 30, KeyFrameInterval = TimeSpan.FromSeconds(1) };
        Assert.Equal(5, profile.VideoPacketsPerFrame);
        Assert.Equal(150, profile.VideoPacketsPerSecond);
        Assert.Equal(1250, profile.VideoPayloadBytes);
        var sink = new CapturingSink();
        var stream = new SyntheticStream(0, StreamKind.Video, 0xBB, profile);
        stream.Start(0);
        for (long t = 0; t < 2 * Second - 1; t += Second / 1000) stream.SendDue(t, sink);
        Assert.Equal(300, sink.Packets.Count);
        var frames = sink.Packets.Chunk(5).ToList();
        Assert.Equal(60, frames.Count);
        for (int f = 0; f < frames.Count; f++)
        {
            var frame = frames[f];
            Assert.All(frame, p => Assert.Equal(12 + 1250, p.Length));
            Assert.Equal([false, false, false, false, true], frame.Select(p => (p[1] & 0x80) != 0));
            Assert.Single(frame.Select(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4))).Distinct());
            Assert.Equal(0x10, frame[0][12]);
            Assert.All(frame.Skip(1), p => Assert.Equal(0x00, p[12]));
            // First frame was requested (a key frame at start) and then one each second.
            bool key = f == 0 || f == 30;
            Assert.Equal(key, (frame[0][13] & 0x01) == 0);
            Assert.True(SyntheticStamp.TryRead(frame[0], out var stamp));
            Assert.Equal(key, stamp.KeyFrame);
        }
        stream.RequestKeyFrame();
        sink.Packets.Clear();
        stream.SendDue(2 * Second, sink);
        Assert.Equal(0, sink.Packets[0][13] & 0x01);
    }

    [Fact]
    public void StarvedSender_SkipsAhead_WithoutSequenceGaps()
    {
        var sink = new CapturingSink();
        var stream = new SyntheticStream(0, StreamKind.Audio, 1, new MediaProfile());
        stream.Start(0);
        stream.SendDue(5 * Second, sink);
        Assert.InRange(sink.Packets.Count, 1, 12);
        Assert.True(stream.SkippedFrames > 200);
        Assert.Equal(Enumerable.Range(0, sink.Packets.Count).Select(i => (long)i),
            sink.Packets.Select(p => SyntheticStamp.TryRead(p, out var s) ? s.Sequence : -1));
    }

    [Fact]
    public void SendDue_AllocatesNothing()
    {
        var sink = new NullSink();
        var stream = new SyntheticStream(0, StreamKind.Video, 1, new MediaProfile());
        stream.Start(0);
        stream.SendDue(Second / 10, sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = Second / 10; t < 10 * Second; t += Second / 100) stream.SendDue(t, sink);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(stream.PacketsSent > 1000);
    }

    [Fact]
    public void Stamp_RejectsForeignAndShortPackets_AndHandlesPadding()
    {
        Assert.False(SyntheticStamp.TryRead(new byte[20], out _));
        Assert.False(SyntheticStamp.TryRead(new byte[100], out _));
        var packet = new byte[12 + 60 + 4];
        packet[0] = 0xA0; // padding bit
        packet[^1] = 4;
        new SyntheticStamp(3, StreamKind.Video, 99, 1234, true).Write(packet.AsSpan(0, packet.Length - 4));
        Assert.True(SyntheticStamp.TryRead(packet, out var s));
        Assert.Equal(new SyntheticStamp(3, StreamKind.Video, 99, 1234, true), s);
    }

    [Fact]
    public void Participant_MeasuresVideoLatencyByThePacketsPositionInItsFrame()
    {
        var plan = ScenarioPlan.Meeting(2, TimeSpan.FromSeconds(5));
        var profile = new MediaProfile(); // 1.5 Mbit/s at 30 fps: 5 packets a frame
        var a = new SyntheticParticipant(plan.Participants[0], profile, 2);
        var b = new SyntheticParticipant(plan.Participants[1], profile, 2);
        var sink = new CapturingSink();
        a.Video!.Start(0);
        for (long t = 0; t < Second; t += Second / 100) a.Video.SendDue(t, sink);
        Assert.Equal(30 * 5, sink.Packets.Count);
        long tick = Stopwatch.Frequency / 1_000_000;
        for (int i = 0; i < sink.Packets.Count; i++)
        {
            // A path that handles a burst one packet after another: 100 µs more for each packet before it in the frame.
            Assert.True(SyntheticStamp.TryRead(sink.Packets[i], out var stamp));
            b.OnRtp(sink.Packets[i], stamp.SendTicks + ((100 + (100 * (i % 5))) * tick));
        }
        var byPosition = b.VideoLatencyByPosition!;
        Assert.Equal(5, byPosition.Length);
        Assert.Equal([100L, 200, 300, 400, 500], byPosition.Select(h => h.Percentile(50)));
        Assert.All(byPosition, h => Assert.Equal(30, h.Count));
        Assert.Null(a.VideoLatencyByPosition); // nothing received
    }

    [Fact]
    public void Participant_AccountsByStamp_AndHonoursPli()
    {
        var plan = ScenarioPlan.Meeting(3, TimeSpan.FromSeconds(5));
        var a = new SyntheticParticipant(plan.Participants[0], new MediaProfile(), 3);
        var b = new SyntheticParticipant(plan.Participants[1], new MediaProfile(), 3);
        var sink = new CapturingSink();
        a.Audio!.Start(0);
        for (long t = 0; t <= Second / 2; t += Second / 100) a.Audio.SendDue(t, sink);
        long now = Stopwatch.GetTimestamp();
        foreach (var p in sink.Packets) b.OnRtp(p, now);
        b.OnRtp(sink.Packets[3], now); // duplicate
        b.OnRtp(new byte[200], now);   // not ours
        var stats = b.ReceivedFrom(0, StreamKind.Audio)!;
        Assert.Equal(sink.Packets.Count, stats.Unique);
        Assert.Equal(1, stats.Duplicates);
        Assert.Equal(1, b.ForeignPackets);
        Assert.Null(b.ReceivedFrom(0, StreamKind.Video));
        Assert.Null(b.ReceivedFrom(2, StreamKind.Audio));

        // RR then PLI in one compound: the PLI makes the next video frame a key frame.
        byte[] compound = [0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 206, 0, 2, 0, 0, 0, 1, 0x10, 0, 0, 1];
        var video = a.Video!;
        var vsink = new CapturingSink();
        video.Start(0);
        video.SendDue(0, vsink);
        vsink.Packets.Clear();
        video.SendDue(Second / 30, vsink);
        Assert.Equal(1, vsink.Packets[0][13] & 0x01);
        a.OnRtcp(compound);
        Assert.Equal(1, a.KeyFrameRequests);
        vsink.Packets.Clear();
        video.SendDue(2 * Second / 30, vsink);
        Assert.Equal(0, vsink.Packets[0][13] & 0x01);
    }

    [Fact]
    public void Audio_CarriesTheAudioLevelExtension_TheServerReads()
    {
        var sink = new CapturingSink();
        var stream = new SyntheticStream(1, StreamKind.Audio, 0xAC, new MediaProfile { AudioLevelExtensionId = 1 });
        stream.Start(0);
        stream.SendDue(0, sink);
        stream.AudioLevel = 10;
        stream.SendDue(Second / 50, sink);
        Assert.Equal(2, sink.Packets.Count);
        (bool Voice, byte Level)[] levels = [.. sink.Packets.Select(p =>
        {
            Assert.Equal(12 + 8 + 160, p.Length);
            Assert.True(SyntheticStamp.TryRead(p, out _));
            Assert.True(DigitalWeRoom.Sfu.Protocols.Rtp.RtpPacketView.TryParse(p, out var view, out _));
            Assert.True(view.TryGetExtension(1, out var element));
            Assert.True(DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions.AudioLevel.TryRead(element, out bool voice, out byte level));
            return (voice, level);
        })];
        Assert.Equal([(false, (byte)127), (true, (byte)10)], levels);
    }


    private sealed class NullSink : IRtpSink
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => true;
    }
}
