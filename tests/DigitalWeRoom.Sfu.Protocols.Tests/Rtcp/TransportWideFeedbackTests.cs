using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class TransportWideFeedbackTests
{
    [Fact]
    public void Build_hand_computed_vector_with_two_bit_status_vector_and_padding()
    {
        // Reference time 5 (320 ms); seq 10 at +3 ticks (small), 11 lost, 12 at +300 ticks (large), 13 at +1 tick.
        // Symbols 1,0,2,1 -> 2-bit vector 11|01 00 10 01 00 00 00 = 0xD240. FCI 22 bytes -> 2 bytes of padding.
        byte[] buffer = new byte[100];
        int length = TransportWideFeedback.Write(buffer, 1, 2, 7, [new(10, 320_750), new(12, 395_750), new(13, 396_000)], out int included);
        Assert.Equal(3, included);
        Assert.Equal(Hex.Bytes("AFCD0006 00000001 00000002 000A0004 00000507 D2400301 2C010002"), buffer[..length]);
    }

    [Fact]
    public void Parse_hand_computed_vector_with_run_length_and_two_bit_chunks()
    {
        // Base 1000, 8 statuses, reference time 1, fb count 42; run of 5 lost (0x0005), then 2-bit 1,2,1 (0xD900);
        // deltas 4, -4 (FFFC), 8.
        byte[] packet = Hex.Bytes("8FCD0006 00000001 00000002 03E80008 0000012A 0005D900 04FFFC08");
        Assert.True(TransportWideFeedback.TryParse(packet, out TransportWideFeedback fb, out _));
        Assert.Equal((1000, 8, 1, 42, 3), (fb.BaseSequenceNumber, fb.PacketStatusCount, fb.ReferenceTime, fb.FeedbackPacketCount, fb.ReceivedCount));
        Assert.Equal(64_000, fb.ReferenceTimeMicros);
        var statuses = new TwccPacketStatus[8];
        Assert.Equal(8, fb.CopyPackets(statuses));
        Assert.Equal(
            [
                new(1000, false, 0), new(1001, false, 0), new(1002, false, 0), new(1003, false, 0), new(1004, false, 0),
                new(1005, true, 4), new(1006, true, -4), new(1007, true, 8),
            ],
            statuses);
    }

    [Fact]
    public void Run_length_chunk_for_twenty_small_deltas()
    {
        var arrivals = new TwccArrival[20];
        for (int i = 0; i < arrivals.Length; i++)
        {
            arrivals[i] = new TwccArrival((ushort)(65530 + i), i * 250);
        }
        byte[] buffer = new byte[100];
        int length = TransportWideFeedback.Write(buffer, 1, 2, 0, arrivals, out _);
        // Run length chunk: T=0, S=01, length 20 -> 0x2014; then deltas 0, 1 x 19.
        Assert.Equal(Hex.Bytes("FFFA0014 00000000 2014 00"), buffer[12..23]);
        Assert.Equal(12 + 8 + 2 + 20 + 2, length);
        Assert.True(TransportWideFeedback.TryParse(buffer.AsSpan(0, length), out TransportWideFeedback fb, out _));
        var statuses = new TwccPacketStatus[20];
        fb.CopyPackets(statuses);
        Assert.Equal(new TwccPacketStatus(2, true, 1), statuses[8]); // 65538 wraps to 2
    }

    [Fact]
    public void One_bit_status_vector_chunk()
    {
        // Received offsets 0, 2, 3, 13 of 14: 1-bit vector 1|0|1 0 1 1 0 0 0 0 0 0 0 0 0 1 = 0xAC01.
        byte[] buffer = new byte[100];
        int length = TransportWideFeedback.Write(buffer, 1, 2, 0, [new(0, 0), new(2, 250), new(3, 500), new(13, 750)], out _);
        Assert.Equal(Hex.Bytes("AC01 00010101"), buffer[20..26]);
        Assert.True(TransportWideFeedback.TryParse(buffer.AsSpan(0, length), out TransportWideFeedback fb, out _));
        Assert.Equal(14, fb.PacketStatusCount);
        Assert.Equal(4, fb.ReceivedCount);
    }

    [Fact]
    public void Round_trip_of_random_arrivals_reconstructs_arrival_ticks()
    {
        var random = new Random(8888);
        byte[] buffer = new byte[4000];
        var statuses = new TwccPacketStatus[2000];
        for (int round = 0; round < 300; round++)
        {
            var arrivals = new List<TwccArrival>();
            ushort seq = (ushort)random.Next(65536);
            long time = random.NextInt64(0, 10_000_000_000);
            int count = random.Next(1, 200);
            for (int i = 0; i < count; i++)
            {
                arrivals.Add(new TwccArrival(seq, time));
                seq += (ushort)(random.Next(4) == 0 ? random.Next(2, 40) : 1);
                // Mostly small steps, sometimes large or negative (reordering in time).
                time += random.Next(10) switch { 0 => random.Next(-2_000_000, 0), 1 => random.Next(64_000, 8_000_000), _ => random.Next(0, 5_000) };
            }
            int length = TransportWideFeedback.Write(buffer, 3, 4, (byte)round, arrivals.ToArray(), out int included);
            Assert.True(length > 0);
            Assert.True(length <= TransportWideFeedback.MaxLength((ushort)(arrivals[included - 1].SequenceNumber - arrivals[0].SequenceNumber) + 1, included));
            Assert.True(TransportWideFeedback.TryParse(buffer.AsSpan(0, length), out TransportWideFeedback fb, out DropReason reason), reason.ToString());
            Assert.Equal(included, fb.ReceivedCount);
            int n = fb.CopyPackets(statuses);
            long ticks = fb.ReferenceTime * 256L;
            long expectedReferenceTicks = (arrivals[0].ArrivalTimeMicros / 64_000 % (1 << 23)) * 256;
            Assert.Equal(expectedReferenceTicks, ticks);
            int next = 0;
            for (int i = 0; i < n; i++)
            {
                bool expectReceived = next < included && arrivals[next].SequenceNumber == statuses[i].SequenceNumber;
                Assert.Equal(expectReceived, statuses[i].Received);
                if (expectReceived)
                {
                    ticks += statuses[i].DeltaTicks;
                    Assert.Equal(arrivals[next].ArrivalTimeMicros / 250 - (arrivals[0].ArrivalTimeMicros / 64_000 * 256) + expectedReferenceTicks, ticks);
                    next++;
                }
            }
            Assert.Equal(included, next);
            if (included < arrivals.Count)
            {
                long jump = arrivals[included].ArrivalTimeMicros / 250 - arrivals[included - 1].ArrivalTimeMicros / 250;
                Assert.True(jump is > short.MaxValue or < short.MinValue);
            }
        }
    }

    [Fact]
    public void Builder_stops_at_unrepresentable_delta_and_small_buffers()
    {
        byte[] buffer = new byte[100];
        int length = TransportWideFeedback.Write(buffer, 1, 2, 0, [new(1, 0), new(2, 250), new(3, 250 + (40_000L * 250))], out int included);
        Assert.Equal(2, included);
        Assert.True(length > 0);
        Assert.Equal(0, TransportWideFeedback.Write(buffer.AsSpan(0, 22), 1, 2, 0, [new(1, 0), new(2, 250)], out _));
        Assert.Equal(0, TransportWideFeedback.Write(buffer, 1, 2, 0, [], out _));
    }

    [Theory]
    [InlineData("8FCD0004 00000001 00000002 03E80008 0000012A")] // chunks missing
    [InlineData("8FCD0005 00000001 00000002 03E80008 0000012A 0005D900")] // deltas missing
    [InlineData("8FCD0006 00000001 00000002 03E80008 0000012A 0005DB00 04FFFC08")] // reserved 2-bit symbol 11
    [InlineData("8FCD0003 00000001 00000002 03E80008")] // FCI shorter than 8 bytes
    public void Rejects_inconsistent_feedback(string hex)
    {
        Assert.False(TransportWideFeedback.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.NotEqual(DropReason.None, reason);
    }
}
