using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// A UDP relay on loopback standing in for a bad network path (this kernel has no <c>tc netem</c>): clients send to
/// <see cref="Listen"/>, each client gets its own upstream socket toward the server, and replies go back the same way.
/// Packets of clients whose address <c>impaired</c> selects are held for <c>delay ± jitter</c> (uniform) in both
/// directions once <see cref="Impair"/> is set, so later packets overtake earlier ones: delay and reordering. Others
/// pass at once. Bounded: at most 64 clients and 4096 packets in flight; beyond that packets are dropped and counted.
/// The relay stands for the network, so it runs on its own threads, never on the thread pool: under the test host two
/// pool threads are held by the test platform, and a pool that must first grow (one thread per 500 ms) stalled the
/// relay ~0.9 s, overflowed its sockets' receive buffers and lost packets no real network would have lost.
/// </summary>
internal sealed class ImpairmentRelay : IAsyncDisposable
{
    private const int MaxClients = 64;
    private const int MaxHeld = 4096;

    private readonly Socket _front;
    private readonly IPEndPoint _server;
    private readonly Func<IPEndPoint, bool> _impaired;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _jitter;
    private readonly Random _random;
    private readonly Dictionary<IPEndPoint, Flow> _flows = [];
    private readonly PriorityQueue<HeldPacket, long> _held = new();
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private volatile bool _stop;
    private readonly List<Thread> _loops = [];
    private long _sequence;

    public ImpairmentRelay(IPEndPoint listen, IPEndPoint server, Func<IPEndPoint, bool> impaired, TimeSpan delay, TimeSpan jitter, int seed)
    {
        _server = server;
        _impaired = impaired;
        _delay = delay;
        _jitter = jitter;
        _random = new Random(seed);
        _front = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        _front.Bind(listen);
        Listen = (IPEndPoint)_front.LocalEndPoint!;
        _front.ReceiveTimeout = (int)PollInterval.TotalMilliseconds;
        lock (_flows)
        {
            Start(FrontLoop, "relay-front");
            Start(Pump, "relay-pump");
        }
    }

    public IPEndPoint Listen { get; }

    /// <summary>Start (or stop) holding the impaired clients' packets.</summary>
    public volatile bool Impair;

    /// <summary>Packets that were held and sent after a packet that arrived later than them (both directions).</summary>
    public long Reordered => Interlocked.Read(ref _reordered);

    /// <summary>Packets held (impaired) in total.</summary>
    public long Held => Interlocked.Read(ref _heldTotal);

    /// <summary>Packets dropped because the relay's bounds were reached.</summary>
    public long Overflowed => Interlocked.Read(ref _overflowed);

    private long _reordered;
    private long _heldTotal;
    private long _overflowed;
    private long _lastSentSequenceUp = -1;
    private long _lastSentSequenceDown = -1;

    private void Start(ThreadStart loop, string name)
    {
        var thread = new Thread(loop) { IsBackground = true, Name = name };
        _loops.Add(thread);
        thread.Start();
    }

    private void FrontLoop()
    {
        var buffer = new byte[2048];
        while (!_stop)
        {
            EndPoint from = new IPEndPoint(Listen.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
            int n;
            try
            {
                n = _front.ReceiveFrom(buffer, SocketFlags.None, ref from);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                if (_stop) return;
                continue; // the receive timeout: look at the stop flag again
            }

            var client = (IPEndPoint)from;
            Flow? flow;
            lock (_flows)
            {
                if (!_flows.TryGetValue(client, out flow))
                {
                    if (_flows.Count >= MaxClients)
                    {
                        Interlocked.Increment(ref _overflowed);
                        continue;
                    }

                    flow = new Flow(client, new Socket(_server.AddressFamily, SocketType.Dgram, ProtocolType.Udp), _impaired(client));
                    flow.Upstream.Bind(new IPEndPoint(_server.Address, 0));
                    flow.Upstream.ReceiveTimeout = (int)PollInterval.TotalMilliseconds;
                    _flows[client] = flow;
                    Start(() => BackLoop(flow), "relay-back");
                }
            }

            Forward(flow, buffer.AsSpan(0, n), up: true);
        }
    }

    private void BackLoop(Flow flow)
    {
        var buffer = new byte[2048];
        while (!_stop)
        {
            int n;
            try
            {
                n = flow.Upstream.Receive(buffer, SocketFlags.None);
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                if (_stop) return;
                continue;
            }

            Forward(flow, buffer.AsSpan(0, n), up: false);
        }
    }

    private void Forward(Flow flow, ReadOnlySpan<byte> packet, bool up)
    {
        if (!flow.Impaired || !Impair)
        {
            Send(flow, packet, up);
            return;
        }

        lock (_held)
        {
            if (_held.Count >= MaxHeld)
            {
                Interlocked.Increment(ref _overflowed);
                return;
            }

            double jitter = (_random.NextDouble() * 2 - 1) * _jitter.TotalMilliseconds;
            long due = Environment.TickCount64 + (long)Math.Max(0, _delay.TotalMilliseconds + jitter);
            _held.Enqueue(new HeldPacket(flow, packet.ToArray(), up, _sequence++), due);
            Interlocked.Increment(ref _heldTotal);
        }
    }

    private void Pump()
    {
        var due = new List<HeldPacket>();
        while (!_stop)
        {
            Thread.Sleep(1);

            long now = Environment.TickCount64;
            lock (_held)
            {
                while (_held.TryPeek(out var next, out long at) && at <= now)
                {
                    _held.Dequeue();
                    due.Add(next);
                }
            }

            foreach (var h in due)
            {
                ref long last = ref h.Up ? ref _lastSentSequenceUp : ref _lastSentSequenceDown;
                if (h.Sequence < last) Interlocked.Increment(ref _reordered);
                last = Math.Max(last, h.Sequence);
                Send(h.Flow, h.Packet, h.Up);
            }

            due.Clear();
        }
    }

    private void Send(Flow flow, ReadOnlySpan<byte> packet, bool up)
    {
        try
        {
            if (up) flow.Upstream.SendTo(packet, SocketFlags.None, _server);
            else _front.SendTo(packet, SocketFlags.None, flow.Client);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The test is tearing down, or a client went away.
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop = true;
        Thread[] loops;
        lock (_flows) loops = [.. _loops];
        // Each loop sees the flag within one receive timeout; then the sockets can go.
        foreach (var loop in loops) loop.Join(TimeSpan.FromSeconds(5));
        _front.Dispose();
        lock (_flows)
        {
            foreach (var flow in _flows.Values) flow.Upstream.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private sealed record Flow(IPEndPoint Client, Socket Upstream, bool Impaired);

    private sealed record HeldPacket(Flow Flow, byte[] Packet, bool Up, long Sequence);
}
