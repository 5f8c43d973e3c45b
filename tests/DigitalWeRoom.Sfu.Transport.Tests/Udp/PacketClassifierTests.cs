using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

public class PacketClassifierTests
{
    [Fact]
    public void Every_first_byte_maps_to_its_RFC_7983_range()
    {
        for (int b = 0; b < 256; b++)
        {
            PacketKind expected = b switch
            {
                <= 3 => PacketKind.Stun,
                >= 20 and <= 63 => PacketKind.Dtls,
                >= 128 and <= 191 => PacketKind.Rtp,
                _ => PacketKind.Unknown,
            };
            Assert.Equal(expected, PacketClassifier.Classify([(byte)b, 0, 0, 0]));
        }
        Assert.Equal(PacketKind.Unknown, PacketClassifier.Classify([]));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(205, true)]
    [InlineData(206, true)]
    [InlineData(192, true)]
    [InlineData(223, true)]
    [InlineData(96, false)]
    [InlineData(255, false)]
    [InlineData(111, false)]
    [InlineData(224, false)]
    public void Rtcp_is_recognized_by_payload_type_192_to_223(int secondByte, bool rtcp) =>
        Assert.Equal(rtcp, PacketClassifier.IsRtcp([0x80, (byte)secondByte]));

    [Fact]
    public void Kind_values_are_stable() =>
        Assert.Equal([0, 1, 2, 3], Enum.GetValues<PacketKind>().Select(k => (int)k).ToArray());
}
