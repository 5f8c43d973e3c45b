using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>Compound RTCP (RFC 3550 §6.1) and every packet type's parser, TWCC expansion and NACK expansion included.</summary>
public sealed class RtcpTarget : FuzzTarget
{
    private readonly TwccPacketStatus[] _statuses = new TwccPacketStatus[65536];
    private readonly ushort[] _lost = new ushort[65536 * 17];

    public override string Name => "Rtcp";

    public override void Execute(ReadOnlySpan<byte> input)
    {
        var reader = new RtcpCompoundReader(input);
        int consumed = 0;
        while (reader.TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet))
        {
            Check(packet.Length == header.PacketLength && packet.Length >= RtcpHeader.Length, "packet length matches its header");
            consumed += packet.Length;
            bool ok = ParseOne(header, packet, out DropReason reason);
            Check(ok == (reason == DropReason.None), $"{header.PacketType}: reason set exactly on rejection");
        }

        Check(reader.Error != DropReason.None || consumed == input.Length, "a valid compound is consumed exactly");
        Check(RtcpCompoundReader.Validate(input, out _) == (reader.Error == DropReason.None), "Validate agrees with the reader");
        if (input.Length >= RtcpHeader.Length && TransportWideFeedback.TryParse(input, out TransportWideFeedback direct, out _))
        {
            Check(direct.CopyPackets(_statuses) == direct.PacketStatusCount, "TWCC expands to its status count");
        }
    }

    private bool ParseOne(RtcpHeader header, ReadOnlySpan<byte> packet, out DropReason reason)
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

                int lost = nack.LostCount;
                Check(lost <= nack.ItemCount * 17, "NACK lost count bounded by 17 per item");
                Check(nack.CopyLostSequenceNumbers(_lost.AsSpan(0, lost)) == lost, "NACK expands to its lost count");
                return true;
            case RtcpPacketType.TransportLayerFeedback when header.Count == 15:
                if (!TransportWideFeedback.TryParse(packet, out TransportWideFeedback fb, out reason))
                {
                    return false;
                }

                Check(fb.CopyPackets(_statuses) == fb.PacketStatusCount, "TWCC expands to its status count");
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
                // RFC 3550 §6.1: unknown types are skipped; the header was valid.
                reason = DropReason.None;
                return true;
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        byte[] buffer = new byte[1500];
        int length = SenderReport.Write(buffer, 0x1111, 0x0102030405060708, 90000, 10, 1000, [new ReceptionReport(0x2222, 25, -3, 70000, 12, 0xAABBCCDD, 65536)]);
        length += SourceDescription.WriteCname(buffer.AsSpan(length), [0x1111u], "user@host"u8);
        length += TransportLayerNack.Write(buffer.AsSpan(length), 0x1111, 0x2222, [1, 2, 40, 41, 300]);
        length += PictureLossIndication.Write(buffer.AsSpan(length), 0x1111, 0x2222);
        yield return ("sr-sdes-nack-pli", buffer[..length]);

        length = ReceiverReport.Write(buffer, 1, [new ReceptionReport(2, 3, 4, 5, 6, 7, 8)]);
        length += SourceDescription.WriteCname(buffer.AsSpan(length), [1u, 2u, 3u], "cname-of-someone"u8);
        length += Goodbye.Write(buffer.AsSpan(length), [1u, 2u], "leaving"u8);
        yield return ("rr-sdes-bye", buffer[..length]);

        length = FullIntraRequest.Write(buffer, 1, [new FirEntry(2, 3)]);
        length += ReceiverEstimatedMaxBitrate.Write(buffer.AsSpan(length), 1, 1_500_000, [2u, 3u]);
        length += ExtendedReport.Write(buffer.AsSpan(length), 1, 0x1234_5678_9ABC_DEF0, [new DlrrSubBlock(2, 3, 4)]);
        yield return ("fir-remb-xr", buffer[..length]);

        var random = new Random(15);
        for (int s = 0; s < 4; s++)
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

            length = TransportWideFeedback.Write(buffer, 1, 2, (byte)s, arrivals, out _);
            yield return ($"twcc-{s}", buffer[..length]);
        }
    }
}
