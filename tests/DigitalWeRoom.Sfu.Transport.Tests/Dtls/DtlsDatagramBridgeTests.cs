using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;
using Org.BouncyCastle.Tls;

namespace DigitalWeRoom.Sfu.Transport.Tests.Dtls;

/// <summary>
/// The queue between the receive loop and a BouncyCastle handshake thread: bounded, woken by a datagram or by close,
/// timing out when nothing comes, and asleep, not spinning, while it waits (a handshake waits a round trip per flight).
/// </summary>
public class DtlsDatagramBridgeTests
{
    private static readonly PacketPool s_pool = new();

    [Fact]
    public void A_receive_with_nothing_queued_returns_minus_one_after_its_wait()
    {
        var bridge = new DtlsDatagramBridge(new NoSender());
        var started = Environment.TickCount64;
        Assert.Equal(-1, bridge.Receive(new byte[1500], 0, 1500, 100));
        Assert.InRange(Environment.TickCount64 - started, 90, 2000);
    }

    [Fact]
    public async Task A_datagram_queued_while_a_receive_waits_wakes_it_with_the_bytes()
    {
        var bridge = new DtlsDatagramBridge(new NoSender());
        var buffer = new byte[1500];
        Task<int> receive = Task.Factory.StartNew(() => bridge.Receive(buffer, 0, buffer.Length, 10_000), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        Assert.False(receive.IsCompleted);

        PooledPacket packet = Packet([22, 254, 253, 1, 2, 3]);
        Assert.True(bridge.TryEnqueue(packet));
        packet.Release();

        Assert.Equal(6, await receive.WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal([22, 254, 253, 1, 2, 3], buffer[..6]);
        Assert.Equal(0, bridge.Count);
        Assert.Equal(0, packet.References);
    }

    [Fact]
    public async Task Close_wakes_a_blocked_receive_with_the_timeout_BouncyCastle_expects_and_releases_what_was_queued()
    {
        var bridge = new DtlsDatagramBridge(new NoSender());
        Task<int> receive = Task.Factory.StartNew(() => bridge.Receive(new byte[1500], 0, 1500, 0), TaskCreationOptions.LongRunning);
        await Task.Delay(50);
        bridge.Close();
        await Assert.ThrowsAsync<TlsTimeoutException>(() => receive.WaitAsync(TimeSpan.FromSeconds(2)));

        var closed = new DtlsDatagramBridge(new NoSender());
        PooledPacket queued = Packet([22]);
        Assert.True(closed.TryEnqueue(queued));
        closed.Close();
        queued.Release();
        Assert.Equal(0, queued.References);
        Assert.False(closed.TryEnqueue(Packet([22])));
        Assert.Throws<TlsTimeoutException>(() => closed.Receive(new byte[10], 0, 10, 10));
    }

    [Fact]
    public void The_queue_is_bounded_and_a_full_one_refuses_without_taking_a_reference()
    {
        var bridge = new DtlsDatagramBridge(new NoSender(), capacity: 2);
        PooledPacket a = Packet([1]), b = Packet([2]), c = Packet([3]);
        Assert.True(bridge.TryEnqueue(a));
        Assert.True(bridge.TryEnqueue(b));
        Assert.False(bridge.TryEnqueue(c));
        Assert.Equal(1, c.References);
        Assert.Equal(2, bridge.Count);
        var buffer = new byte[10];
        Assert.Equal(1, bridge.Receive(buffer, 0, 10, 10));
        Assert.Equal(1, buffer[0]);
        Assert.True(bridge.TryEnqueue(c));
    }

    /// <summary>
    /// A <see cref="SemaphoreSlim"/> spins with up to 130 sched_yield calls before it sleeps: hundreds of microseconds
    /// of CPU per wait, per handshake thread, in a storm of joins. The bridge's wait sleeps at once.
    /// </summary>
    [Fact]
    public void A_waiting_handshake_thread_sleeps_instead_of_spinning()
    {
        Assert.True(ReceiveLoopLoad.ThreadCpuNanoseconds() > 0, "thread CPU clock on Linux");
        var bridge = new DtlsDatagramBridge(new NoSender());
        const int Warmup = 3, Waits = 20;
        long cpu = 0;
        var receiver = new Thread(() =>
        {
            var buffer = new byte[1500];
            long before = 0;
            for (int i = 0; i < Warmup + Waits; i++)
            {
                // The first waits pay for compiling the code they run, not for waiting.
                if (i == Warmup)
                {
                    before = ReceiveLoopLoad.ThreadCpuNanoseconds();
                }
                if (bridge.Receive(buffer, 0, buffer.Length, 5_000) < 0)
                {
                    return;
                }
            }
            cpu = ReceiveLoopLoad.ThreadCpuNanoseconds() - before;
        });
        receiver.Start();
        for (int i = 0; i < Warmup + Waits; i++)
        {
            Thread.Sleep(10);
            PooledPacket packet = Packet([22, (byte)i]);
            bridge.TryEnqueue(packet);
            packet.Release();
        }
        Assert.True(receiver.Join(TimeSpan.FromSeconds(10)));
        Assert.True(cpu > 0, "the receiver got all datagrams");
        // Asleep, a wait costs a wake-up: about 26 µs here. Spinning first (a SemaphoreSlim), it cost 130 µs.
        Assert.True(cpu / Waits < 70_000, $"{cpu / Waits / 1000.0:F1} µs of CPU per wait");
    }

    private static PooledPacket Packet(byte[] bytes)
    {
        PooledPacket packet = s_pool.Rent();
        bytes.CopyTo(packet.Buffer, 0);
        packet.Length = bytes.Length;
        return packet;
    }

    private sealed class NoSender : IDatagramSender
    {
        public void SendDatagram(ReadOnlySpan<byte> datagram)
        {
        }
    }
}
