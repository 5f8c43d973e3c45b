using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp;

public class RtpPacketViewTests
{
    // V=2 X=1, PT 96, seq 0x1234, ts 0x5678, SSRC DEADBEEF; one-byte extension: id 1 "A", id 2 {1,2,3}, 2 pad bytes.
    private static readonly byte[] OneByte = Hex.Bytes("90601234 00005678 DEADBEEF BEDE0002 1041 22010203 0000 AABB");

    // Two-byte form: id 1 empty, id 5 "abc", 1 pad byte.
    private static readonly byte[] TwoByte = Hex.Bytes("90E11234 00005678 DEADBEEF 10000002 0100 0503616263 00 CC");

    [Fact]
    public void Parses_fixed_header_and_one_byte_extensions()
    {
        Assert.True(RtpPacketView.TryParse(OneByte, out RtpPacketView v, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(2, v.Version);
        Assert.False(v.Marker);
        Assert.Equal(96, v.PayloadType);
        Assert.Equal(0x1234, v.SequenceNumber);
        Assert.Equal(0x5678u, v.Timestamp);
        Assert.Equal(0xDEADBEEFu, v.Ssrc);
        Assert.Equal(24, v.HeaderLength);
        Assert.Equal(RtpExtensionForm.OneByte, v.ExtensionForm);
        Assert.Equal(new byte[] { 0xAA, 0xBB }, v.Payload.ToArray());
        Assert.True(v.TryGetExtension(1, out ReadOnlySpan<byte> a));
        Assert.Equal("A"u8.ToArray(), a.ToArray());
        Assert.True(v.TryGetExtension(2, out ReadOnlySpan<byte> b));
        Assert.Equal(new byte[] { 1, 2, 3 }, b.ToArray());
        Assert.False(v.TryGetExtension(3, out _));
        Assert.True(v.TryFindExtension(2, out int offset, out int length));
        Assert.Equal((19, 3), (offset, length));
    }

    [Fact]
    public void Parses_two_byte_extensions_including_empty_value()
    {
        Assert.True(RtpPacketView.TryParse(TwoByte, out RtpPacketView v, out _));
        Assert.True(v.Marker);
        Assert.Equal(97, v.PayloadType);
        Assert.Equal(RtpExtensionForm.TwoByte, v.ExtensionForm);
        Assert.True(v.TryGetExtension(1, out ReadOnlySpan<byte> empty));
        Assert.True(empty.IsEmpty);
        Assert.True(v.TryGetExtension(5, out ReadOnlySpan<byte> abc));
        Assert.Equal("abc"u8.ToArray(), abc.ToArray());
        Assert.Equal(new byte[] { 0xCC }, v.Payload.ToArray());
    }

    [Fact]
    public void One_byte_id_15_stops_extension_processing()
    {
        byte[] packet = Hex.Bytes("90601234 00005678 DEADBEEF BEDE0001 F0 1041 00");
        Assert.True(RtpPacketView.TryParse(packet, out RtpPacketView v, out _));
        Assert.False(v.TryGetExtension(1, out _));
    }

    [Fact]
    public void One_byte_id_0_is_a_single_padding_byte()
    {
        byte[] packet = Hex.Bytes("90601234 00005678 DEADBEEF BEDE0001 05 1041 00");
        Assert.True(RtpPacketView.TryParse(packet, out RtpPacketView v, out _));
        Assert.True(v.TryGetExtension(1, out ReadOnlySpan<byte> value));
        Assert.Equal("A"u8.ToArray(), value.ToArray());
    }

    [Fact]
    public void Unknown_extension_profile_is_kept_but_not_interpreted()
    {
        byte[] packet = Hex.Bytes("90601234 00005678 DEADBEEF ABCD0001 11223344 55");
        Assert.True(RtpPacketView.TryParse(packet, out RtpPacketView v, out _));
        Assert.Equal(0xABCD, v.ExtensionProfile);
        Assert.Equal(RtpExtensionForm.None, v.ExtensionForm);
        Assert.False(v.TryGetExtension(1, out _));
        Assert.Equal(new byte[] { 0x55 }, v.Payload.ToArray());
    }

    [Fact]
    public void Csrcs_and_padding()
    {
        // CC=2, P=1, payload 3 bytes then 3 bytes of padding (count byte 03).
        byte[] packet = Hex.Bytes("A2E00001 00000002 00000003 00000011 00000022 010203 000003");
        Assert.True(RtpPacketView.TryParse(packet, out RtpPacketView v, out _));
        Assert.True(v.Marker);
        Assert.Equal(2, v.CsrcCount);
        Assert.Equal(0x11u, v.GetCsrc(0));
        Assert.Equal(0x22u, v.GetCsrc(1));
        Assert.Equal(3, v.PaddingLength);
        Assert.Equal(new byte[] { 1, 2, 3 }, v.Payload.ToArray());
    }

    [Theory]
    [InlineData("A0600001 00000002 00000003 0102 00", (int)DropReason.RtpBadPadding)] // padding count 0
    [InlineData("A0600001 00000002 00000003 0102 07", (int)DropReason.RtpBadPadding)] // more padding than payload
    [InlineData("50600001 00000002 00000003", (int)DropReason.RtpBadVersion)]
    [InlineData("80600001 00000002 000000", (int)DropReason.Truncated)]
    [InlineData("82600001 00000002 00000003 00000004", (int)DropReason.Truncated)] // CC=2, one CSRC present
    [InlineData("90600001 00000002 00000003 BEDE0002 1041", (int)DropReason.Truncated)] // extension length past the end
    [InlineData("90600001 00000002 00000003 BEDE0001 33414243", (int)DropReason.RtpBadExtension)] // element of 4 bytes in 3
    [InlineData("90600001 00000002 00000003 10000001 0105AABB", (int)DropReason.RtpBadExtension)]
    [InlineData("90600001 00000002 00000003 10000001 000000 01", (int)DropReason.RtpBadExtension)] // two-byte id without length
    public void Rejects_with_reason(string hex, int expected)
    {
        Assert.False(RtpPacketView.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.Equal((DropReason)expected, reason);
    }

    [Theory]
    [InlineData((int)RtpExtensionForm.OneByte)]
    [InlineData((int)RtpExtensionForm.TwoByte)]
    public void Writer_round_trip(int formValue)
    {
        var form = (RtpExtensionForm)formValue;
        Span<byte> buffer = stackalloc byte[200];
        uint[] csrcs = [7, 8];
        int length = RtpHeader.Write(buffer, 111, true, 65535, 0xFFFFFFFF, 0x01020304, csrcs);
        Assert.Equal(20, length);
        var ext = new RtpHeaderExtensionWriter(buffer, length, form);
        Assert.True(ext.Add(3, "m0"u8));
        Assert.True(ext.Add(14, [0x12, 0x34]));
        int headerLength = ext.Finish();
        Assert.Equal(0, headerLength % 4);
        "payload"u8.CopyTo(buffer[headerLength..]);
        int total = headerLength + 7;

        Assert.True(RtpPacketView.TryParse(buffer[..total], out RtpPacketView v, out _));
        Assert.Equal((111, true, (ushort)65535, 0xFFFFFFFFu, 0x01020304u), (v.PayloadType, v.Marker, v.SequenceNumber, v.Timestamp, v.Ssrc));
        Assert.Equal(2, v.CsrcCount);
        Assert.Equal(8u, v.GetCsrc(1));
        Assert.Equal(form, v.ExtensionForm);
        Assert.True(v.TryGetExtension(3, out ReadOnlySpan<byte> mid));
        Assert.Equal("m0"u8.ToArray(), mid.ToArray());
        Assert.True(v.TryGetExtension(14, out ReadOnlySpan<byte> seq));
        Assert.Equal(new byte[] { 0x12, 0x34 }, seq.ToArray());
        Assert.Equal("payload"u8.ToArray(), v.Payload.ToArray());
    }

    [Fact]
    public void Writer_rejects_ids_outside_the_form_and_small_buffers()
    {
        Span<byte> buffer = stackalloc byte[40];
        int length = RtpHeader.Write(buffer, 96, false, 1, 2, 3);
        var one = new RtpHeaderExtensionWriter(buffer, length, RtpExtensionForm.OneByte);
        Assert.False(one.Add(15, [1]));
        Assert.Equal(0, one.Finish());
        var two = new RtpHeaderExtensionWriter(buffer, length, RtpExtensionForm.TwoByte);
        Assert.False(two.Add(200, new byte[30]));
        Assert.Equal(0, RtpHeader.Write(buffer[..11], 96, false, 1, 2, 3));
        Assert.Equal(0, RtpHeader.Write(buffer, 128, false, 1, 2, 3));
    }

    [Fact]
    public void Padding_writer_and_in_place_setters()
    {
        byte[] buffer = new byte[64];
        int length = RtpHeader.Write(buffer, 96, false, 10, 20, 30);
        buffer[length++] = 0xAB;
        length = RtpHeader.AddPadding(buffer, length, 4);
        Assert.Equal(17, length);
        RtpHeader.SetSequenceNumber(buffer, 0xBEEF);
        RtpHeader.SetTimestamp(buffer, 0xCAFEBABE);
        RtpHeader.SetSsrc(buffer, 0x0BADF00D);
        RtpHeader.SetPayloadType(buffer, 100);
        RtpHeader.SetMarker(buffer, true);
        Assert.True(RtpPacketView.TryParse(buffer.AsSpan(0, length), out RtpPacketView v, out _));
        Assert.Equal((0xBEEF, 0xCAFEBABEu, 0x0BADF00Du, 100, true), (v.SequenceNumber, v.Timestamp, v.Ssrc, v.PayloadType, v.Marker));
        Assert.Equal(4, v.PaddingLength);
        Assert.Equal(new byte[] { 0xAB }, v.Payload.ToArray());
        RtpHeader.SetMarker(buffer, false);
        RtpHeader.SetPayloadType(buffer, 96);
        Assert.Equal(0x60, buffer[1]);
    }
}
