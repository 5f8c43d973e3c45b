using DigitalWeRoom.Sfu.Rooms.Negotiation;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

public sealed class OutgoingSsrcAllocatorTests
{
    [Fact]
    public void Same_seed_gives_the_same_sequence()
    {
        var a = new OutgoingSsrcAllocator(12345);
        var b = new OutgoingSsrcAllocator(12345);
        var c = new OutgoingSsrcAllocator(12346);
        uint[] first = [.. Enumerable.Range(0, 64).Select(_ => a.Allocate())];
        Assert.Equal(first, Enumerable.Range(0, 64).Select(_ => b.Allocate()));
        Assert.NotEqual(first, Enumerable.Range(0, 64).Select(_ => c.Allocate()));
    }

    [Fact]
    public void Values_are_unique_and_never_zero()
    {
        var allocator = new OutgoingSsrcAllocator(0);
        var seen = new HashSet<uint>();
        for (int i = 0; i < 200_000; i++)
        {
            uint ssrc = allocator.Allocate();
            Assert.NotEqual(0u, ssrc);
            Assert.True(seen.Add(ssrc));
        }
        Assert.Equal(200_000, allocator.Count);
    }

    [Fact]
    public void Reserved_values_are_skipped()
    {
        var reference = new OutgoingSsrcAllocator(99);
        uint[] upcoming = [.. Enumerable.Range(0, 10).Select(_ => reference.Allocate())];
        var allocator = new OutgoingSsrcAllocator(99);
        foreach (uint ssrc in upcoming[..5])
        {
            allocator.Reserve(ssrc);
        }
        Assert.True(allocator.IsUsed(upcoming[0]));
        // The reserved values are passed over and the sequence continues with the next free ones.
        Assert.Equal(upcoming[5..], Enumerable.Range(0, 5).Select(_ => allocator.Allocate()));
    }
}
