using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>RTP (RFC 3550 §5.1) with RFC 8285 extensions: the view, every accessor, every extension reader, codec descriptors.</summary>
public sealed class RtpTarget : FuzzTarget
{
    private static readonly RtpHeaderExtensionIds Ids = new(Mid: 1, RtpStreamId: 2, RepairedRtpStreamId: 3, AbsSendTime: 4, TransportWideSequenceNumber: 5, AudioLevel: 6);

    public override string Name => "Rtp";

    public override void Execute(ReadOnlySpan<byte> input)
    {
        if (!RtpPacketView.TryParse(input, out RtpPacketView view, out DropReason reason))
        {
            Check(reason != DropReason.None, "rejection carries a reason");
            return;
        }

        Check(reason == DropReason.None, "acceptance carries no reason");
        Check(view.HeaderLength + view.PaddingLength <= input.Length, "header + padding inside the packet");
        _ = view.SequenceNumber + view.Timestamp + view.Ssrc + view.PayloadType + view.ExtensionProfile + (view.Marker ? 1 : 0);
        for (int i = 0; i < view.CsrcCount; i++)
        {
            _ = view.GetCsrc(i);
        }

        RtpExtensionReader reader = view.Extensions;
        ReadOnlySpan<byte> data = view.ExtensionData;
        while (reader.TryReadNext(out byte id, out int offset, out int length))
        {
            Check(offset >= 0 && length >= 0 && offset + length <= data.Length, "extension element inside the block");
            _ = id;
        }

        for (int id = 0; id < 256; id += id < 16 ? 1 : 37)
        {
            if (view.TryFindExtension((byte)id, out int at, out int valueLength))
            {
                Check(at >= 0 && at + valueLength <= input.Length, "extension value inside the packet");
            }
        }

        RtpKnownExtensions known = RtpKnownExtensions.Read(view, Ids);
        _ = Mid.TryRead(known.Mid, out _);
        _ = RtpStreamId.TryRead(known.RtpStreamId, out _);
        _ = RepairedRtpStreamId.TryRead(known.RepairedRtpStreamId, out _);
        _ = AbsSendTime.TryRead(known.AbsSendTime, out _);
        _ = TransportWideSequenceNumber.TryRead(known.TransportWideSequenceNumber, out _);
        _ = AudioLevel.TryRead(known.AudioLevel, out _, out _);

        ReadOnlySpan<byte> payload = view.Payload;
        CheckCodec(Vp8PayloadDescriptor.TryParse(payload, out _, out reason), reason);
        CheckCodec(Vp9PayloadDescriptor.TryParse(payload, out _, out reason), reason);
        CheckCodec(H264KeyFrame.TryParse(payload, out _, out reason), reason);
        CheckCodec(Av1AggregationHeader.TryParse(payload, out _, out reason), reason);
    }

    private static void CheckCodec(bool ok, DropReason reason) =>
        Check(ok == (reason == DropReason.None), "codec parser: reason set exactly on rejection");

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        yield return ("plain", Packet(0, RtpExtensionForm.None, 20, padding: 0));
        yield return ("csrc-padding", Packet(3, RtpExtensionForm.None, 40, padding: 4));
        yield return ("one-byte-ext", Packet(0, RtpExtensionForm.OneByte, 100, padding: 0));
        yield return ("two-byte-ext", Packet(1, RtpExtensionForm.TwoByte, 60, padding: 3));
        yield return ("vp8-keyframe", Vp8());
    }

    private static byte[] Packet(int csrcs, RtpExtensionForm form, int payloadLength, int padding)
    {
        var buffer = new byte[1500];
        uint[] csrcList = [.. Enumerable.Range(1, csrcs).Select(i => (uint)i * 0x01010101u)];
        int length = RtpHeader.Write(buffer, 111, marker: true, 4242, 0xCAFEBABE, 0x12345678, csrcList);
        if (form != RtpExtensionForm.None)
        {
            var ext = new RtpHeaderExtensionWriter(buffer, length, form);
            ext.Add(1, "0"u8);
            ext.Add(2, "hi"u8);
            ext.Add(4, [0x12, 0x34, 0x56]);
            ext.Add(5, [0x01, 0x02]);
            ext.Add(6, [0x85]);
            length = ext.Finish();
        }

        for (int i = 0; i < payloadLength; i++)
        {
            buffer[length++] = (byte)(i * 31);
        }

        if (padding > 0)
        {
            length = RtpHeader.AddPadding(buffer, length, padding);
        }

        return buffer[..length];
    }

    private static byte[] Vp8()
    {
        var buffer = new byte[200];
        int length = RtpHeader.Write(buffer, 96, marker: false, 7, 90000, 0xABCDEF01);
        // RFC 7741 §4.2: X=1 S=1 PID=0, I=1 L=1 T=1 K=1, 15-bit PictureID, TL0PICIDX, TID/Y/KEYIDX; then a key frame header.
        byte[] descriptor = [0x90, 0xF0, 0x80 | 0x12, 0x34, 0x05, 0x60, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A];
        descriptor.CopyTo(buffer, length);
        return buffer[..(length + descriptor.Length + 40)];
    }
}
