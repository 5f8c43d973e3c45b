using DigitalWeRoom.Sfu.Rooms;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>At most 5 ICE restarts per participant per minute, at least 5 s apart (the defaults).</summary>
public class ActionRateLimiterTests
{
    [Fact]
    public void Five_per_minute_five_seconds_apart()
    {
        var time = new FakeTimeProvider();
        var limiter = new ActionRateLimiter(time, 5, TimeSpan.FromSeconds(5), "ICE restart");

        Assert.True(limiter.TryAcquire(out _));
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(limiter.TryAcquire(out var tooSoon));
        Assert.Contains("every 5 s", tooSoon, StringComparison.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5.1));
            Assert.True(limiter.TryAcquire(out _), $"restart {i + 2}");
        }

        // Five in the last ~25 s: the sixth waits for the first to leave the one-minute window.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(limiter.TryAcquire(out var tooMany));
        Assert.Contains("5 ICE restarts per minute", tooMany, StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(25));
        Assert.True(limiter.TryAcquire(out _));
    }
}
