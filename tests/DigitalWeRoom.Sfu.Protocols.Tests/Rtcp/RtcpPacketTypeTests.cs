using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class RtcpPacketTypeTests
{
    [Fact]
    public void Wire_values_match_the_rfcs()
    {
        Assert.Equal(200, (byte)RtcpPacketType.SenderReport);
        Assert.Equal(201, (byte)RtcpPacketType.ReceiverReport);
        Assert.Equal(202, (byte)RtcpPacketType.SourceDescription);
        Assert.Equal(203, (byte)RtcpPacketType.Goodbye);
        Assert.Equal(204, (byte)RtcpPacketType.ApplicationDefined);
        Assert.Equal(205, (byte)RtcpPacketType.TransportLayerFeedback);
        Assert.Equal(206, (byte)RtcpPacketType.PayloadSpecificFeedback);
        Assert.Equal(207, (byte)RtcpPacketType.ExtendedReport);
        Assert.Equal(1, (byte)TransportLayerFeedbackFormat.Nack);
        Assert.Equal(15, (byte)TransportLayerFeedbackFormat.TransportWideCc);
        Assert.Equal(1, (byte)PayloadSpecificFeedbackFormat.PictureLossIndication);
        Assert.Equal(4, (byte)PayloadSpecificFeedbackFormat.FullIntraRequest);
        Assert.Equal(15, (byte)PayloadSpecificFeedbackFormat.ApplicationLayer);
        Assert.Equal(1, (byte)SdesItemType.Cname);
        Assert.Equal(sizeof(byte), sizeof(RtcpPacketType));
    }

    [Theory]
    [InlineData("80C8", true)] // SR
    [InlineData("81CF", true)] // XR
    [InlineData("80DF", true)] // 223, top of the RFC 5761 range
    [InlineData("80E0", false)] // 224: RTP PT 96 with marker
    [InlineData("80BF", false)]
    [InlineData("8060", false)] // RTP PT 96
    [InlineData("80", false)]
    public void Demux_by_second_octet(string hex, bool isRtcp) => Assert.Equal(isRtcp, RtpRtcpDemux.IsRtcp(Hex.Bytes(hex)));
}
