using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A receive loop's verdict on itself: time to spare while its thread used less than half of a window's wall-clock
/// time on the CPU, none above; renewed every <see cref="ReceiveLoopLoad.Window"/> datagrams from the real clocks (thread CPU time, monotonic);
/// only on the loop's own thread; each datagram numbered uniquely in the process.
/// </summary>
public sealed class ReceiveLoopLoadTests
{
    [Fact]
    public void LessThanHalfOnTheCpu_HasSpareTime_MoreThanHalf_HasNone_AndOnlyOnItsOwnThread()
    {
        var load = default(ReceiveLoopLoad);
        try
        {
            load.Begin();
            Assert.NotEqual(0, ReceiveLoopLoad.CurrentDatagram);
            load.End(wallNanos: 1_000_000, cpuNanos: 400_000);
            Assert.Equal(0, ReceiveLoopLoad.CurrentDatagram);
            Assert.True(ReceiveLoopLoad.HasSpareTime);
            bool elsewhere = true;
            var other = new Thread(() => elsewhere = ReceiveLoopLoad.HasSpareTime);
            other.Start();
            other.Join();
            Assert.False(elsewhere);

            load.Begin();
            load.End(wallNanos: 2_000_000, cpuNanos: 1_000_000); // 600 µs of 1 ms
            Assert.False(ReceiveLoopLoad.HasSpareTime);
            load.Begin();
            load.End(wallNanos: 3_000_000, cpuNanos: 1_100_000);
            Assert.True(ReceiveLoopLoad.HasSpareTime);
            load.Begin();
            load.End(wallNanos: 4_000_000, cpuNanos: -1); // the thread's CPU time cannot be read: never spare
            Assert.False(ReceiveLoopLoad.HasSpareTime);
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
        Assert.False(ReceiveLoopLoad.HasSpareTime);
    }

    [Fact]
    public void TheRealClocks_AreReadOncePerWindow_WithoutAllocating()
    {
        var load = ReceiveLoopLoad.StartNow();
        try
        {
            // Datagrams that take no time at all: nothing is measured before the window is full.
            for (int i = 0; i < ReceiveLoopLoad.Window - 1; i++)
            {
                load.Begin();
                load.End();
            }
            Assert.False(ReceiveLoopLoad.HasSpareTime);
            // The window closes after a pause: the thread slept, so it had time to spare (false if its CPU time could
            // not be read). A busy window is LessThanHalfOnTheCpu's: on a shared machine a spinning thread may be
            // preempted for most of a window, and then it really is not busy.
            Thread.Sleep(50);
            load.Begin();
            load.End();
            Assert.True(ReceiveLoopLoad.HasSpareTime);
            // Per datagram, clocks read or not: nothing allocated.
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10 * ReceiveLoopLoad.Window; i++)
            {
                load.Begin();
                load.End();
            }
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
    }

    [Fact]
    public void EachDatagramOfEachThread_HasItsOwnNumber()
    {
        var first = ReceiveLoopLoad.StartNow();
        long a, b, c = 0;
        first.Begin();
        a = ReceiveLoopLoad.CurrentDatagram;
        first.End(0, 0);
        first.Begin();
        b = ReceiveLoopLoad.CurrentDatagram;
        first.End(1, 1);
        var other = new Thread(() =>
        {
            var second = ReceiveLoopLoad.StartNow();
            second.Begin();
            c = ReceiveLoopLoad.CurrentDatagram;
            second.End(0, 0);
        });
        other.Start();
        other.Join();
        ReceiveLoopLoad.Leave();
        Assert.NotEqual(0, a);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.NotEqual(b, c);
    }
}
