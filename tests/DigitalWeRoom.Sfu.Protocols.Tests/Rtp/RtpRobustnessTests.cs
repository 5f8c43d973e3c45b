using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp;

public class RtpRobustnessTests
{
    private static readonly byte[][] Seeds =
    [
        Hex.Bytes("90601234 00005678 DEADBEEF BEDE0002 1041 22010203 0000 AABB"),
        Hex.Bytes("90E11234 00005678 DEADBEEF 10000002 0100 0503616263 00 CC"),
        Hex.Bytes("A2E00001 00000002 00000003 00000011 00000022 010203 000003"),
        Hex.Bytes("B0600001 00000002 00000003 BEDE0003 1030 22112233 5001 C04142 00 DDEEFF 0002"),
        Hex.Bytes("80600001 00000002 00000003"),
    ];

    [Fact]
    public void Variants_never_throw_and_rejections_have_a_reason()
    {
        (int accepted, int rejected) = Robustness.Run(Seeds, 100_000, seed: 3550, Parse);
        Assert.True(accepted > 1000, $"accepted {accepted}");
        Assert.True(rejected > 1000, $"rejected {rejected}");
    }

    private static bool Parse(ReadOnlySpan<byte> input, out DropReason reason)
    {
        if (!RtpPacketView.TryParse(input, out RtpPacketView view, out reason))
        {
            return false;
        }
        // Every accessor must be safe on an accepted packet.
        _ = view.Payload.Length + view.SequenceNumber + view.Timestamp + view.Ssrc + view.PayloadType + view.ExtensionProfile;
        for (int i = 0; i < view.CsrcCount; i++)
        {
            _ = view.GetCsrc(i);
        }
        for (byte id = 0; id < 16; id++)
        {
            if (view.TryGetExtension(id, out ReadOnlySpan<byte> value))
            {
                _ = Mid.TryRead(value, out _);
                _ = AbsSendTime.TryRead(value, out _);
                _ = TransportWideSequenceNumber.TryRead(value, out _);
                _ = AudioLevel.TryRead(value, out _, out _);
            }
        }
        return true;
    }
}
