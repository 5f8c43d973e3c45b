using System.Net;
using DigitalWeRoom.Sfu.Server.Networking;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Networking;

/// <summary>
/// The per-client fixed window (joins, room summaries) without a timer: the limit holds per client and per minute,
/// the window rolls over, forgotten clients are swept, and no timer is ever created (the runtime's partitioned
/// limiter it replaced woke a pool thread every 100 ms for the life of the process).
/// </summary>
public sealed class PerClientRateLimiterTests
{
    private static readonly IPAddress Alice = IPAddress.Parse("198.51.100.7");
    private static readonly IPAddress Bob = IPAddress.Parse("198.51.100.8");

    [Fact]
    public void Each_client_gets_its_permits_per_minute_and_a_new_window_after_it()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(3, time);
        Assert.Equal([true, true, true, false], Enumerable.Range(0, 4).Select(_ => limiter.TryAcquire(Alice)));
        Assert.True(limiter.TryAcquire(Bob)); // another client, its own window
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(limiter.TryAcquire(Alice));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(limiter.TryAcquire(Alice));
        Assert.Equal(0, time.TimersCreated);
    }

    [Fact]
    public void Clients_whose_window_ended_are_swept_on_a_later_acquire()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(1, time);
        for (int i = 1; i <= 50; i++) Assert.True(limiter.TryAcquire(IPAddress.Parse($"192.0.2.{i}")));
        Assert.Equal(50, limiter.TrackedClients);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(limiter.TryAcquire(Alice));
        Assert.Equal(1, limiter.TrackedClients);
    }

    [Fact]
    public void Concurrent_acquires_never_exceed_the_limit()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(100, time);
        int granted = 0;
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            if (limiter.TryAcquire(Alice)) Interlocked.Increment(ref granted);
        });
        Assert.Equal(100, granted);
    }

    private sealed class TimerCountingClock() : FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 15, 0, 0, TimeSpan.Zero))
    {
        public int TimersCreated { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimersCreated++;
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
