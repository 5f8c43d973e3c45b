using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class RtcpRobustnessTests
{
    private static readonly TwccPacketStatus[] Statuses = new TwccPacketStatus[65536];
    private static readonly ushort[] Lost = new ushort[65536 * 17];

    private static byte[][] CompoundSeeds()
    {
        byte[] buffer = new byte[1500];
        var seeds = new List<byte[]> { RtcpCompoundReaderTests.BuildCompound() };
        int length = ReceiverReport.Write(buffer, 1, [new ReceptionReport(2, 3, 4, 5, 6, 7, 8)]);
        length += SourceDescription.WriteCname(buffer.AsSpan(length), [1u, 2u, 3u], "cname-of-someone"u8);
        length += Goodbye.Write(buffer.AsSpan(length), [1u, 2u], "leaving"u8);
        seeds.Add(buffer[..length]);
        length = FullIntraRequest.Write(buffer, 1, [new FirEntry(2, 3)]);
        length += ReceiverEstimatedMaxBitrate.Write(buffer.AsSpan(length), 1, 1_500_000, [2u, 3u]);
        length += ExtendedReport.Write(buffer.AsSpan(length), 1, 0x1234_5678_9ABC_DEF0, [new DlrrSubBlock(2, 3, 4)]);
        seeds.Add(buffer[..length]);
        seeds.AddRange(TwccSeeds());
        return [.. seeds];
    }

    private static byte[][] TwccSeeds()
    {
        byte[] buffer = new byte[1500];
        var seeds = new List<byte[]>
        {
            Hex.Bytes("8FCD0006 00000001 00000002 03E80008 0000012A 0005D900 04FFFC08"),
            Hex.Bytes("AFCD0006 00000001 00000002 000A0004 00000507 D2400301 2C010002"),
        };
        var random = new Random(15);
        for (int s = 0; s < 6; s++)
        {
            var arrivals = new TwccArrival[random.Next(5, 60)];
            ushort seq = (ushort)random.Next(65536);
            long time = random.Next(1_000_000_000);
            for (int i = 0; i < arrivals.Length; i++)
            {
                arrivals[i] = new TwccArrival(seq, time);
                seq += (ushort)random.Next(1, 4);
                time += random.Next(-1000, 100_000);
            }
            int length = TransportWideFeedback.Write(buffer, 1, 2, (byte)s, arrivals, out _);
            seeds.Add(buffer[..length]);
        }
        return [.. seeds];
    }

    [Fact]
    public void Compound_variants_never_throw_and_rejections_have_a_reason()
    {
        (int accepted, int rejected) = Robustness.Run(CompoundSeeds(), 100_000, seed: 3551, ParseCompound);
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    [Fact]
    public void Twcc_variants_never_throw_and_rejections_have_a_reason()
    {
        (int accepted, int rejected) = Robustness.Run(TwccSeeds(), 100_000, seed: 15, ParseTwcc);
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    private static bool ParseTwcc(ReadOnlySpan<byte> input, out DropReason reason)
    {
        if (!TransportWideFeedback.TryParse(input, out TransportWideFeedback fb, out reason))
        {
            return false;
        }
        int n = fb.CopyPackets(Statuses);
        if (n != fb.PacketStatusCount)
        {
            Assert.Fail("short copy");
        }
        return true;
    }

    private static bool ParseCompound(ReadOnlySpan<byte> input, out DropReason reason)
    {
        var reader = new RtcpCompoundReader(input);
        while (reader.TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet))
        {
            if (!ParseOne(header, packet, out reason))
            {
                return false;
            }
        }
        reason = reader.Error;
        return reason == DropReason.None;
    }

    private static bool ParseOne(RtcpHeader header, ReadOnlySpan<byte> packet, out DropReason reason)
    {
        switch (header.PacketType)
        {
            case RtcpPacketType.SenderReport:
                if (!SenderReport.TryParse(packet, out SenderReport sr, out reason))
                {
                    return false;
                }
                for (int i = 0; i < sr.ReportCount; i++)
                {
                    _ = sr.GetReport(i);
                }
                return true;
            case RtcpPacketType.ReceiverReport:
                if (!ReceiverReport.TryParse(packet, out ReceiverReport rr, out reason))
                {
                    return false;
                }
                for (int i = 0; i < rr.ReportCount; i++)
                {
                    _ = rr.GetReport(i);
                }
                return true;
            case RtcpPacketType.SourceDescription:
                if (!SourceDescription.TryParse(packet, out SourceDescription sdes, out reason))
                {
                    return false;
                }
                while (sdes.TryReadNextItem(out _, out _, out _))
                {
                }
                return true;
            case RtcpPacketType.Goodbye:
                if (!Goodbye.TryParse(packet, out Goodbye bye, out reason))
                {
                    return false;
                }
                for (int i = 0; i < bye.SsrcCount; i++)
                {
                    _ = bye.GetSsrc(i);
                }
                return true;
            case RtcpPacketType.TransportLayerFeedback when header.Count == 1:
                if (!TransportLayerNack.TryParse(packet, out TransportLayerNack nack, out reason))
                {
                    return false;
                }
                _ = nack.CopyLostSequenceNumbers(Lost.AsSpan(0, nack.LostCount));
                return true;
            case RtcpPacketType.TransportLayerFeedback when header.Count == 15:
                // Full decoding of huge status counts is the TWCC test's job; here a prefix keeps this test fast.
                if (!TransportWideFeedback.TryParse(packet, out TransportWideFeedback fb, out reason))
                {
                    return false;
                }
                _ = fb.CopyPackets(Statuses.AsSpan(0, 512));
                return true;
            case RtcpPacketType.PayloadSpecificFeedback when header.Count == 1:
                return PictureLossIndication.TryParse(packet, out _, out reason);
            case RtcpPacketType.PayloadSpecificFeedback when header.Count == 4:
                if (!FullIntraRequest.TryParse(packet, out FullIntraRequest fir, out reason))
                {
                    return false;
                }
                for (int i = 0; i < fir.EntryCount; i++)
                {
                    _ = fir.GetEntry(i);
                }
                return true;
            case RtcpPacketType.PayloadSpecificFeedback when header.Count == 15:
                if (!ReceiverEstimatedMaxBitrate.TryParse(packet, out ReceiverEstimatedMaxBitrate remb, out reason))
                {
                    return false;
                }
                for (int i = 0; i < remb.SsrcCount; i++)
                {
                    _ = remb.GetSsrc(i);
                }
                return true;
            case RtcpPacketType.ExtendedReport:
                if (!ExtendedReport.TryParse(packet, out ExtendedReport xr, out reason))
                {
                    return false;
                }
                while (xr.TryReadNextBlock(out byte type, out ReadOnlySpan<byte> content))
                {
                    if (type == ExtendedReport.ReceiverReferenceTimeBlockType)
                    {
                        _ = ExtendedReport.ReadReceiverReferenceTime(content);
                    }
                    else if (type == ExtendedReport.DlrrBlockType)
                    {
                        for (int i = 0; i < ExtendedReport.DlrrSubBlockCount(content); i++)
                        {
                            _ = ExtendedReport.ReadDlrrSubBlock(content, i);
                        }
                    }
                }
                return true;
            default:
                // Unknown types are skipped by a receiver (RFC 3550 §6.1); the header was valid.
                reason = DropReason.None;
                return true;
        }
    }
}
