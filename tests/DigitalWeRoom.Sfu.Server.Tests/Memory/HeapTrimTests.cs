using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Memory;

/// <summary>
/// The collection that gives free GC memory back once rooms settle: it waits for a membership change, then for the
/// settle delay without another one, runs once per change, at most once per interval, and really decommits.
/// </summary>
public sealed class HeapTrimTests
{
    private static readonly HeapTrimOptions Options = new() { SettleDelay = TimeSpan.FromSeconds(3), MinInterval = TimeSpan.FromSeconds(30) };

    [Fact]
    public void Runs_once_after_a_change_has_settled()
    {
        var (time, events, trim, collections) = Create();
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(trim.Tick()); // nothing changed since start
        events.OnRoomStarted("a");
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(trim.Tick()); // not settled yet
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(trim.Tick());
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(trim.Tick()); // one change, one collection
        Assert.Equal(1, collections());
        Assert.Equal(1, trim.Trims);
    }

    [Fact]
    public void Changes_in_a_row_postpone_it_until_they_stop()
    {
        var (time, events, trim, collections) = Create();
        for (int i = 0; i < 20; i++)
        {
            events.OnRoomStarted($"room-{i}"); // a join storm: one change a second
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.False(trim.Tick());
        }
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(trim.Tick());
        Assert.Equal(1, collections());
    }

    [Fact]
    public void At_most_one_collection_per_interval()
    {
        var (time, events, trim, collections) = Create();
        events.OnRoomStarted("a");
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(trim.Tick());
        events.OnRoomFinished("a");
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(trim.Tick()); // settled, but 29 s after the last collection
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(trim.Tick()); // still armed: the room's close is not forgotten
        Assert.Equal(2, collections());
    }

    [Fact]
    public void Not_while_the_heap_is_above_the_bound()
    {
        long heap = 65L << 20;
        var (time, events, trim, collections) = Create(new HeapTrimOptions { MaxHeapBytes = 64L << 20 }, () => heap);
        events.OnRoomFinished("a");
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(trim.Tick()); // a busy server: the pause would grow with its heap
        heap = 64L << 20;
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(trim.Tick()); // the change was dropped, not postponed
        events.OnParticipantLeft("a", new() { Id = "p1", Name = "Ann" }, 0, "left");
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.True(trim.Tick());
        Assert.Equal(1, collections());
    }

    [Fact]
    public void Off_when_configured_off()
    {
        var (time, events, trim, collections) = Create(new HeapTrimOptions { TrimWhenSettled = false });
        events.OnRoomFinished("a");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(trim.Tick());
        Assert.Equal(0, collections());
    }

    [Fact]
    public void The_collection_gives_dead_promoted_memory_back_to_the_system()
    {
        // 96 MB that lived long enough to reach generation 2 (as a join's handshake state does) and then died.
        var survivors = new List<byte[]>();
        for (int i = 0; i < 96; i++)
        {
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)i); // touched: resident, not only committed
            survivors.Add(block);
        }
        GC.Collect();
        GC.Collect();
        survivors.Clear();
        var time = new FakeTimeProvider();
        var events = new RoomEvents(NullLogger.Instance);
        // The bound on the heap is off here: the GC last saw the 96 MB alive.
        var options = new HeapTrimOptions { SettleDelay = Options.SettleDelay, MaxHeapBytes = long.MaxValue };
        using var trim = new HeapTrim(events, time, Microsoft.Extensions.Options.Options.Create(options), NullLogger<HeapTrim>.Instance);
        long before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        events.OnRoomFinished("a");
        time.Advance(Options.SettleDelay);
        Assert.True(trim.Tick());
        long after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        Assert.True(before - after >= 64L << 20, $"committed {before >> 20} -> {after >> 20} MB");
    }

    private static (FakeTimeProvider Time, RoomEvents Events, HeapTrim Trim, Func<int> Collections) Create(HeapTrimOptions? options = null, Func<long>? heapSize = null)
    {
        var time = new FakeTimeProvider();
        var events = new RoomEvents(NullLogger.Instance);
        int collections = 0;
        var trim = new HeapTrim(events, time, options ?? Options, NullLogger.Instance, () => collections++, heapSize ?? (() => 0));
        return (time, events, trim, () => collections);
    }
}
