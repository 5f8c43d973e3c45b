using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Runner;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Runner;

public class PacerTests
{
    /// <summary>
    /// A join storm fills the generator's thread pool with signaling work; the publishers' pacer must keep its period
    /// anyway (it has its own thread), or every publisher sends late bursts and the meeting under test loses packets.
    /// </summary>
    [Fact]
    public async Task Pacer_keeps_ticking_while_every_thread_pool_thread_is_busy()
    {
        var pacer = new Pacer(TimeSpan.FromMilliseconds(2));
        // Not disposed: queued blockers that start after the test ends still wait on it, and a wait on a disposed
        // event throws on a pool thread, which ends the test host.
        var release = new ManualResetEventSlim(false);
        int blockers = 0;
        try
        {
            await WaitUntil(() => pacer.Ticks > 0, TimeSpan.FromSeconds(10));
            ThreadPool.GetMinThreads(out int minWorkers, out _);
            // More blocked items than the pool has threads or adds in the window (about one per 0.5 s when starved).
            int count = Math.Max(64, minWorkers * 4);
            for (int i = 0; i < count; i++)
            {
                ThreadPool.UnsafeQueueUserWorkItem(_ =>
                {
                    Interlocked.Increment(ref blockers);
                    release.Wait(TimeSpan.FromSeconds(10));
                }, null);
            }
            long ticksBefore = pacer.Ticks;
            var window = Stopwatch.StartNew();
            while (window.Elapsed < TimeSpan.FromSeconds(1))
            {
                // A blocking wait on purpose: an await here would need the starved pool to resume.
                release.Wait(TimeSpan.FromMilliseconds(50));
            }
            long ticks = pacer.Ticks - ticksBefore;
            long waiting = ThreadPool.PendingWorkItemCount;

            // Saturated: every pool thread is taken and work items still wait for one (as joins do in a storm).
            Assert.True(waiting > 0 && Volatile.Read(ref blockers) > 0, $"the pool was not saturated ({blockers} blockers running, {waiting} waiting)");
            // 500 at a 2 ms period; a loaded 2-core machine may stretch some periods, but not stop them.
            Assert.True(ticks >= 50, $"{ticks} pacer ticks in 1 s with the thread pool saturated");
            Assert.True(pacer.ThreadId > 0 || !DigitalWeRoom.Sfu.Transport.ThreadNiceness.IsSupported);
        }
        finally
        {
            release.Set();
            await pacer.DisposeAsync();
        }
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < timeout, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
