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

    [Fact]
    public void A_full_table_refuses_new_clients_with_a_count_and_keeps_the_budgets_it_has()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(2, time, maxClients: 100);
        for (int i = 0; i < 100; i++) Assert.True(limiter.TryAcquire(IPAddress.Parse($"10.0.{i / 256}.{i % 256}")));

        // Many more addresses within the window: none of them is tracked, each refusal is counted.
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(PermitOutcome.TooManyClients, limiter.Acquire(IPAddress.Parse($"172.16.{i / 256}.{i % 256}")));
        }
        Assert.Equal(100, limiter.TrackedClients);
        Assert.Equal(10_000, limiter.RefusedTooManyClients);

        // A tracked client keeps its own budget and is told it is over its own limit, not that the table is full.
        Assert.Equal(PermitOutcome.Granted, limiter.Acquire(IPAddress.Parse("10.0.0.0")));
        Assert.Equal(PermitOutcome.ClientOverLimit, limiter.Acquire(IPAddress.Parse("10.0.0.0")));

        // When the windows end they are swept and new clients get permits again.
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(PermitOutcome.Granted, limiter.Acquire(Alice));
        Assert.Equal(1, limiter.TrackedClients);
    }

    [Fact]
    public void Addresses_of_one_ipv6_64_share_one_window_and_one_place_in_the_table()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(3, time, maxClients: 2);
        // A host minting addresses inside its /64 (RFC 7421 §1) gets one budget and takes one place.
        var granted = Enumerable.Range(1, 1000).Select(i => limiter.TryAcquire(IPAddress.Parse($"2001:db8:1:2::{i:x}"))).ToArray();
        Assert.Equal(3, granted.Count(g => g));
        Assert.Equal(1, limiter.TrackedClients);
        Assert.Equal(0, limiter.RefusedTooManyClients);
        // Another /64 is another client, and the cap counts prefixes.
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::1")));
        Assert.Equal(PermitOutcome.TooManyClients, limiter.Acquire(IPAddress.Parse("2001:db8:1:4::1")));
        Assert.Equal(2, limiter.TrackedClients);
    }

    [Fact]
    public void A_large_table_is_swept_at_most_once_a_second()
    {
        var time = new TimerCountingClock();
        using var limiter = new PerClientRateLimiter(1, time, maxClients: 10_000);
        for (int i = 0; i < PerClientRateLimiter.SweepAbove + 10; i++) Assert.True(limiter.TryAcquire(IPAddress.Parse($"10.1.{i / 256}.{i % 256}")));
        time.Advance(TimeSpan.FromSeconds(59.5));
        Assert.True(limiter.TryAcquire(Alice)); // a sweep now finds nothing ended
        time.Advance(TimeSpan.FromSeconds(0.6)); // the early windows have ended, but the last sweep was 0.6 s ago
        Assert.True(limiter.TryAcquire(Bob));
        Assert.Equal(PerClientRateLimiter.SweepAbove + 12, limiter.TrackedClients);
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("198.51.100.9")));
        Assert.Equal(3, limiter.TrackedClients); // Alice, Bob and the new one: the early windows were swept
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
