using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp;

/// <summary>The per-packet paths allocate nothing (a cheap guard beside the BenchmarkDotNet MemoryDiagnoser run).</summary>
public class ZeroAllocationTests
{
    private static readonly byte[] RtpPacket = Hex.Bytes("90601234 00005678 DEADBEEF BEDE0002 1041 22010203 0000 AABB");
    private static readonly byte[] Compound = Rtcp.RtcpCompoundReaderTests.BuildCompound();
    private static readonly TwccArrival[] Arrivals = [new(10, 320_750), new(12, 395_750), new(13, 396_000), new(40, 400_000)];
    private static readonly TwccPacketStatus[] Statuses = new TwccPacketStatus[64];
    private static readonly ushort[] Lost = [1, 2, 5, 40, 41];
    private static readonly byte[] Scratch = new byte[1500];
    private static readonly ushort[] LostOut = new ushort[32];
    private static readonly uint[] RembSsrcs = [5u];

    [Fact]
    public void Parsing_and_writing_allocate_nothing()
    {
        long sum = Exercise(); // warm up (JIT, statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            sum += Exercise();
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(sum > 0);
    }

    private static long Exercise()
    {
        long sum = 0;
        if (RtpPacketView.TryParse(RtpPacket, out RtpPacketView view, out _) && view.TryGetExtension(2, out ReadOnlySpan<byte> value))
        {
            sum += value.Length + view.SequenceNumber;
            RtpKnownExtensions known = RtpKnownExtensions.Read(view, new RtpHeaderExtensionIds(Mid: 1));
            sum += Mid.TryRead(known.Mid, out ReadOnlySpan<byte> mid) ? mid.Length : 0;
        }
        var reader = new RtcpCompoundReader(Compound);
        while (reader.TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet))
        {
            sum += header.PacketLength;
            if (header.PacketType == RtcpPacketType.TransportLayerFeedback && TransportLayerNack.TryParse(packet, out TransportLayerNack nack, out _))
            {
                sum += nack.CopyLostSequenceNumbers(LostOut);
            }
        }
        int length = TransportWideFeedback.Write(Scratch, 1, 2, 3, Arrivals, out _);
        if (TransportWideFeedback.TryParse(Scratch.AsSpan(0, length), out TransportWideFeedback fb, out _))
        {
            sum += fb.CopyPackets(Statuses);
        }
        sum += TransportLayerNack.Write(Scratch, 1, 2, Lost);
        sum += ReceiverEstimatedMaxBitrate.Write(Scratch, 1, 2_000_000, RembSsrcs);
        int rtpLength = RtpHeader.Write(Scratch, 96, true, 1, 2, 3);
        var ext = new RtpHeaderExtensionWriter(Scratch, rtpLength, RtpExtensionForm.OneByte);
        ext.Add(3, [0, 1]);
        sum += ext.Finish();
        sum += Vp8PayloadDescriptor.TryParse(Hex32, out Vp8PayloadDescriptor vp8, out _) ? vp8.Length : 0;
        return sum;
    }

    private static ReadOnlySpan<byte> Hex32 => [0x90, 0x80, 0x05, 0x00];
}
