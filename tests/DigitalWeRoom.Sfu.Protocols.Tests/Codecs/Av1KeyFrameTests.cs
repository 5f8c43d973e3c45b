using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

/// <summary>AV1 RTP payloads (AV1 RTP specification §4.4-4.5; bitstream §5.3, §5.5, §5.9) as Chromium's libaom sends them.</summary>
public class Av1KeyFrameTests
{
    // OBU headers: sequence header (type 1) 0x08, frame (type 6) 0x30, frame header (type 3) 0x18; no size field.
    private const string SequenceHeader = "08 00 00 00 24 CF 7F 0D BF FF 38";   // 11 octets, seq_profile 0, not reduced
    private const string KeyFrame = "30 10 AA BB";                            // show_existing_frame 0, frame_type KEY_FRAME
    private const string DeltaFrame = "30 30 AA BB";                          // frame_type INTER_FRAME (1)

    internal static readonly byte[][] Seeds =
    [
        Hex.Bytes("28 0B" + SequenceHeader + KeyFrame),      // Z0 Y0 W2 N1: length-prefixed sequence header, then the frame
        Hex.Bytes("20 0B" + SequenceHeader + KeyFrame),      // the same without N
        Hex.Bytes("10" + DeltaFrame),                        // W1: one delta frame
        Hex.Bytes("08 0B" + SequenceHeader + "04" + KeyFrame), // W0: every element length-prefixed
        Hex.Bytes("C0 11 22 33 44"),                         // Z1 Y1 W0: middle fragment of an OBU
        // W2, N0, a reserved bit set (ignored); sequence header with X=1, S=1 (size 10); frame with S=1 (size 2).
        Hex.Bytes("24 0D 0E 00 0A" + SequenceHeader[3..] + "32 02 10 AA"),
    ];

    [Fact]
    public void N_bit_marks_the_first_packet_of_a_coded_video_sequence()
    {
        Assert.True(Av1KeyFrame.TryParse(Seeds[0], out bool key, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.True(key);
    }

    [Fact]
    public void Sequence_header_then_a_key_frame_header_is_a_key_frame_without_N()
    {
        Assert.True(Av1KeyFrame.TryParse(Seeds[1], out bool key, out _));
        Assert.True(key);
        // W = 0: the same elements, each with its LEB128 length.
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("00 0B" + SequenceHeader + "04" + KeyFrame), out key, out _));
        Assert.True(key);
        // A frame header OBU (type 3) instead of a frame OBU.
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("20 0B" + SequenceHeader + "18 10"), out key, out _));
        Assert.True(key);
    }

    [Fact]
    public void Sequence_header_repeated_before_a_delta_frame_or_a_shown_existing_frame_is_not_a_key_frame()
    {
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("20 0B" + SequenceHeader + DeltaFrame), out bool key, out _));
        Assert.False(key);
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("20 0B" + SequenceHeader + "18 80"), out key, out _)); // show_existing_frame 1
        Assert.False(key);
        Assert.True(Av1KeyFrame.TryParse(Seeds[2], out key, out _));
        Assert.False(key);
        // A continuation (Z = 1) never starts a key frame, whatever its octets look like.
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("A0 0B" + SequenceHeader + KeyFrame), out key, out _));
        Assert.False(key);
    }

    [Fact]
    public void Reduced_still_picture_sequence_header_makes_every_frame_a_key_frame()
    {
        Assert.True(Av1KeyFrame.TryParse(Hex.Bytes("10 08 08 00 00"), out bool key, out _));
        Assert.True(key);
    }

    [Fact]
    public void Obu_extension_and_size_field_are_skipped()
    {
        // Sequence header with X = 1 (extension octet) and S = 1 (LEB128 size 11), the frame with S = 1 too.
        Assert.True(Av1KeyFrame.TryParse(Seeds[5], out bool key, out _));
        Assert.True(key);
    }

    [Fact]
    public void Multi_octet_leb128_lengths_are_read()
    {
        var element = new byte[200];
        element[0] = 0x30; // frame OBU
        element[1] = 0x30; // delta
        byte[] payload = [0x00, 0xC8, 0x01, .. element];
        Assert.True(Av1KeyFrame.TryParse(payload, out bool key, out _));
        Assert.False(key);
        Assert.True(Av1KeyFrame.TryReadLeb128(Hex.Bytes("E5 8E 26"), out uint value, out int used, out _));
        Assert.Equal((624_485u, 3), (value, used));
    }

    [Theory]
    [InlineData("28", (byte)DropReason.Truncated)]                               // header only
    [InlineData("A8 11 22", (byte)DropReason.Malformed)]                        // N with Z: a sequence cannot start mid-OBU
    [InlineData("20 0C" + SequenceHeader, (byte)DropReason.Truncated)]          // length past the end
    [InlineData("20 00 30 10", (byte)DropReason.Malformed)]                     // empty element
    [InlineData("30 02 30 10", (byte)DropReason.Truncated)]                     // W = 3 but the rest is one element
    [InlineData("00 80 80 80 80 80 80 80 80 01", (byte)DropReason.Malformed)]   // LEB128 longer than 8 octets
    [InlineData("00 FF FF FF FF 1F", (byte)DropReason.Malformed)]               // LEB128 value ≥ 2^32
    [InlineData("00 FF FF", (byte)DropReason.Truncated)]                        // LEB128 cut off
    [InlineData("00 02 30 10 05 30", (byte)DropReason.Truncated)]               // W = 0: second length past the end
    public void Malformed_payloads_are_rejected_with_a_reason(string hex, byte expected)
    {
        Assert.False(Av1KeyFrame.TryParse(Hex.Bytes(hex), out bool key, out DropReason reason));
        Assert.False(key);
        Assert.Equal((DropReason)expected, reason);
    }
}
