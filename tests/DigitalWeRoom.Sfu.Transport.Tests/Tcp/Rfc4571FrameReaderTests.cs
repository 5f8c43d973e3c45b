using DigitalWeRoom.Sfu.Transport.Tcp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Tcp;

/// <summary>RFC 4571 §2 framing: 16-bit length prefix, frames split over receives or coalesced in one.</summary>
public class Rfc4571FrameReaderTests
{
    private static byte[] Framed(params byte[][] packets)
    {
        var stream = new List<byte>();
        foreach (byte[] packet in packets)
        {
            stream.Add((byte)(packet.Length >> 8));
            stream.Add((byte)packet.Length);
            stream.AddRange(packet);
        }
        return [.. stream];
    }

    private static byte[] Payload(int length, byte seed) => Enumerable.Range(0, length).Select(i => (byte)(i + seed)).ToArray();

    /// <summary>Feeds <paramref name="stream"/> in chunks of <paramref name="chunk"/> bytes and collects what comes out.</summary>
    private static (List<byte[]> Frames, int Oversize, int Empty) Feed(Rfc4571FrameReader reader, byte[] stream, int chunk)
    {
        var frames = new List<byte[]>();
        int oversize = 0, empty = 0;
        for (int offset = 0; offset < stream.Length; offset += chunk)
        {
            int n = Math.Min(chunk, stream.Length - offset);
            Memory<byte> writable = reader.Writable;
            Assert.True(writable.Length >= n, "the reader always has room for a receive");
            stream.AsSpan(offset, n).CopyTo(writable.Span);
            reader.Advance(n);
            while (true)
            {
                FrameStatus status = reader.TryRead(out ReadOnlySpan<byte> frame);
                if (status == FrameStatus.NeedMore)
                {
                    break;
                }
                if (status == FrameStatus.Frame)
                {
                    frames.Add(frame.ToArray());
                }
                oversize += status == FrameStatus.Oversize ? 1 : 0;
                empty += status == FrameStatus.Empty ? 1 : 0;
            }
        }
        return (frames, oversize, empty);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1499)]
    [InlineData(4096)]
    public void Frames_split_over_receives_or_coalesced_come_out_whole_and_in_order(int chunk)
    {
        byte[][] packets = [Payload(20, 1), Payload(1500, 2), Payload(1, 3), Payload(200, 4), Payload(1500, 5), Payload(99, 6)];
        var reader = new Rfc4571FrameReader(1500, 4096);

        var (frames, oversize, _) = Feed(reader, Framed(packets), chunk);

        Assert.Equal(0, oversize);
        Assert.Equal(packets.Length, frames.Count);
        for (int i = 0; i < packets.Length; i++)
        {
            Assert.Equal(packets[i], frames[i]);
        }
        Assert.Equal(0, reader.Buffered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(600)]
    [InlineData(4096)]
    public void An_oversize_frame_is_skipped_and_counted_once_and_the_next_frame_is_intact(int chunk)
    {
        byte[] before = Payload(100, 1), huge = Payload(9000, 2), after = Payload(1500, 3);
        var reader = new Rfc4571FrameReader(1500, 4096);

        var (frames, oversize, _) = Feed(reader, Framed(before, huge, after, Payload(0, 0), huge, before), chunk);

        Assert.Equal(2, oversize);
        Assert.Equal([before, after, before], frames);
    }

    [Fact]
    public void A_zero_length_frame_carries_nothing()
    {
        var reader = new Rfc4571FrameReader(1500, 4096);

        var (frames, _, empty) = Feed(reader, Framed([], Payload(3, 9)), 4096);

        Assert.Equal(1, empty);
        Assert.Equal([Payload(3, 9)], frames);
    }

    [Fact]
    public void A_lone_header_byte_waits_for_the_second()
    {
        var reader = new Rfc4571FrameReader(1500, 4096);
        reader.Writable.Span[0] = 0;
        reader.Advance(1);

        Assert.Equal(FrameStatus.NeedMore, reader.TryRead(out _));
        Assert.Equal(1, reader.Buffered);
    }

    [Fact]
    public void The_header_is_big_endian()
    {
        Span<byte> header = stackalloc byte[2];
        Rfc4571FrameReader.WriteHeader(header, 0x0102);
        Assert.Equal([1, 2], header.ToArray());
    }
}
