using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp.HeaderExtensions;

public class HeaderExtensionTests
{
    [Fact]
    public void Mid_round_trip_and_trailing_nul_padding()
    {
        Span<byte> buffer = stackalloc byte[16];
        Assert.Equal(5, Mid.Write(buffer, "audio"u8));
        Assert.True(Mid.TryRead(buffer[..5], out ReadOnlySpan<byte> mid));
        Assert.Equal("audio"u8.ToArray(), mid.ToArray());
        Assert.True(Mid.TryRead("0\0\0"u8, out mid));
        Assert.Equal("0"u8.ToArray(), mid.ToArray());
        Assert.False(Mid.TryRead("\0"u8, out _));
        Assert.False(Mid.TryRead("a b"u8, out _));
        Assert.Equal(0, Mid.Write(buffer[..2], "abc"u8));
        Assert.Equal("urn:ietf:params:rtp-hdrext:sdes:mid", Mid.Uri);
    }

    [Fact]
    public void Rid_and_repaired_rid_accept_rfc8851_characters_only()
    {
        Span<byte> buffer = stackalloc byte[16];
        Assert.Equal(3, RtpStreamId.Write(buffer, "h_1"u8));
        Assert.True(RtpStreamId.TryRead(buffer[..3], out ReadOnlySpan<byte> rid));
        Assert.Equal("h_1"u8.ToArray(), rid.ToArray());
        Assert.True(RepairedRtpStreamId.TryRead("q-2"u8, out rid));
        Assert.Equal("q-2"u8.ToArray(), rid.ToArray());
        Assert.False(RtpStreamId.TryRead("a.b"u8, out _));
        Assert.Equal(0, RepairedRtpStreamId.Write(buffer, "a/b"u8));
        Assert.EndsWith("sdes:rtp-stream-id", RtpStreamId.Uri, StringComparison.Ordinal);
        Assert.EndsWith("sdes:repaired-rtp-stream-id", RepairedRtpStreamId.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void AbsSendTime_is_6_18_fixed_point()
    {
        Span<byte> buffer = stackalloc byte[3];
        // 1.5 s = 1.5 * 2^18 = 0x060000.
        uint value = AbsSendTime.FromMicroseconds(1_500_000);
        Assert.Equal(0x060000u, value);
        Assert.Equal(3, AbsSendTime.Write(buffer, value));
        Assert.Equal(new byte[] { 0x06, 0x00, 0x00 }, buffer.ToArray());
        Assert.True(AbsSendTime.TryRead(buffer, out uint read));
        Assert.Equal(1_500_000, AbsSendTime.ToMicroseconds(read));
        // NTP 65.5 s (seconds 0x41, fraction 0x80000000): 6 bits of seconds wrap to 1, fraction .5.
        Assert.Equal(0x060000u, AbsSendTime.FromNtp(0x0000_0041_8000_0000UL));
        Assert.False(AbsSendTime.TryRead(buffer[..2], out _));
    }

    [Fact]
    public void TransportWideSequenceNumber_round_trip()
    {
        Span<byte> buffer = stackalloc byte[2];
        Assert.Equal(2, TransportWideSequenceNumber.Write(buffer, 0xABCD));
        Assert.Equal(new byte[] { 0xAB, 0xCD }, buffer.ToArray());
        Assert.True(TransportWideSequenceNumber.TryRead(buffer, out ushort seq));
        Assert.Equal(0xABCD, seq);
        Assert.False(TransportWideSequenceNumber.TryRead(buffer[..1], out _));
        Assert.Equal(0, TransportWideSequenceNumber.Write(buffer[..1], 1));
    }

    [Fact]
    public void AudioLevel_v_bit_and_level()
    {
        Span<byte> buffer = stackalloc byte[1];
        Assert.Equal(1, AudioLevel.Write(buffer, true, 42));
        Assert.Equal(0x80 | 42, buffer[0]);
        Assert.True(AudioLevel.TryRead(buffer, out bool voice, out byte level));
        Assert.True(voice);
        Assert.Equal(42, level);
        Assert.True(AudioLevel.TryRead([0x7F], out voice, out level));
        Assert.False(voice);
        Assert.Equal(127, level);
        Assert.Equal(0, AudioLevel.Write(buffer, false, 128));
    }

    [Fact]
    public void Extensions_written_into_a_packet_are_found_by_id()
    {
        Span<byte> packet = stackalloc byte[64];
        int length = RtpHeader.Write(packet, 111, false, 1, 2, 3);
        var ext = new RtpHeaderExtensionWriter(packet, length, RtpExtensionForm.OneByte);
        Span<byte> value = stackalloc byte[3];
        ext.Add(1, value[..AudioLevel.Write(value, true, 10)]);
        ext.Add(4, "0"u8);
        ext.Add(5, value[..TransportWideSequenceNumber.Write(value, 777)]);
        length = ext.Finish();
        Assert.True(RtpPacketView.TryParse(packet[..length], out RtpPacketView view, out _));
        Assert.True(view.TryGetExtension(5, out ReadOnlySpan<byte> twcc));
        Assert.True(TransportWideSequenceNumber.TryRead(twcc, out ushort seq));
        Assert.Equal(777, seq);
        Assert.True(view.TryGetExtension(1, out ReadOnlySpan<byte> audio));
        Assert.True(AudioLevel.TryRead(audio, out _, out byte level));
        Assert.Equal(10, level);

        // The forwarder rewrites the TWCC sequence number in place through the found offset.
        Assert.True(view.TryFindExtension(5, out int offset, out int valueLength));
        TransportWideSequenceNumber.Write(packet.Slice(offset, valueLength), 778);
        Assert.True(RtpPacketView.TryParse(packet[..length], out view, out _));
        view.TryGetExtension(5, out twcc);
        TransportWideSequenceNumber.TryRead(twcc, out seq);
        Assert.Equal(778, seq);
    }
}
