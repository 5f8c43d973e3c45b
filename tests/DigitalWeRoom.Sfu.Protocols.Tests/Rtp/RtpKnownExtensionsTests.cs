using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp;

public class RtpKnownExtensionsTests
{
    [Fact]
    public void One_pass_read_of_negotiated_ids()
    {
        byte[] packet = new byte[100];
        int length = RtpHeader.Write(packet, 96, false, 1, 2, 3, [9u]);
        var ext = new RtpHeaderExtensionWriter(packet, length, RtpExtensionForm.TwoByte);
        ext.Add(1, "1"u8);
        ext.Add(20, "hi"u8);
        ext.Add(3, [0xAB, 0xCD]);
        ext.Add(2, [1, 2, 3]);
        ext.Add(7, [0x85]);
        length = ext.Finish();
        Assert.True(RtpPacketView.TryParse(packet.AsSpan(0, length), out RtpPacketView view, out _));

        var ids = new RtpHeaderExtensionIds(Mid: 1, RtpStreamId: 20, AbsSendTime: 2, TransportWideSequenceNumber: 3);
        RtpKnownExtensions known = RtpKnownExtensions.Read(view, ids);
        Assert.Equal("1"u8.ToArray(), known.Mid.ToArray());
        Assert.Equal("hi"u8.ToArray(), known.RtpStreamId.ToArray());
        Assert.True(known.RepairedRtpStreamId.IsEmpty);
        Assert.Equal(new byte[] { 1, 2, 3 }, known.AbsSendTime.ToArray());
        Assert.True(known.AudioLevel.IsEmpty); // ID 7 not negotiated
        Assert.Equal(new byte[] { 0xAB, 0xCD }, known.TransportWideSequenceNumber.ToArray());
        Assert.Equal(new byte[] { 0xAB, 0xCD }, packet.AsSpan(known.TransportWideSequenceNumberOffset, 2).ToArray());
    }
}
