using System.Diagnostics;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A receive loop's verdict on itself: time to spare while it waits more than it works, none when it works more than
/// half the time, and a long pause forgotten within a dozen busy datagrams (a burst after silence finds it busy).
/// </summary>
public sealed class ReceiveLoopLoadTests
{
    private static readonly long Micro = Stopwatch.Frequency / 1_000_000;

    [Fact]
    public void MostlyWaiting_HasSpareTime_MostlyWorking_HasNone_AndOnlyOnItsOwnThread()
    {
        var load = default(ReceiveLoopLoad);
        try
        {
            long now = 0;
            for (int i = 0; i < 50; i++)
            {
                now += 100 * Micro; // waited 100 µs, worked 10 µs
                Assert.NotEqual(0, load.Begin());
                Assert.NotEqual(0, ReceiveLoopLoad.CurrentDatagram);
                load.End(now, now += 10 * Micro);
                Assert.Equal(0, ReceiveLoopLoad.CurrentDatagram);
            }
            Assert.True(ReceiveLoopLoad.HasSpareTime);
            bool elsewhere = true;
            var other = new Thread(() => elsewhere = ReceiveLoopLoad.HasSpareTime);
            other.Start();
            other.Join();
            Assert.False(elsewhere);

            for (int i = 0; i < 50; i++)
            {
                now += 5 * Micro; // waited 5 µs, worked 10 µs
                load.Begin();
                load.End(now, now += 10 * Micro);
            }
            Assert.False(ReceiveLoopLoad.HasSpareTime);
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
        Assert.False(ReceiveLoopLoad.HasSpareTime);
    }

    [Fact]
    public void ALongPause_IsForgottenWithinADozenBusyDatagrams()
    {
        var load = default(ReceiveLoopLoad);
        try
        {
            long now = 0;
            for (int i = 0; i < 50; i++)
            {
                now += 200 * Micro;
                load.Begin();
                load.End(now, now += 10 * Micro);
            }
            now += 60 * Stopwatch.Frequency; // a minute of silence
            int busyDatagrams = 0;
            do
            {
                now += 1 * Micro; // back to back
                load.Begin();
                load.End(now, now += 20 * Micro);
                busyDatagrams++;
            }
            while (ReceiveLoopLoad.HasSpareTime && busyDatagrams < 100);
            Assert.InRange(busyDatagrams, 1, 12);
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
        long a = 0, b = 0, c = 0;
        first.Begin();
        a = ReceiveLoopLoad.CurrentDatagram;
        first.End(0, 1);
        first.Begin();
        b = ReceiveLoopLoad.CurrentDatagram;
        first.End(1, 2);
        var other = new Thread(() =>
        {
            var second = ReceiveLoopLoad.StartNow();
            second.Begin();
            c = ReceiveLoopLoad.CurrentDatagram;
            second.End(0, 1);
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
