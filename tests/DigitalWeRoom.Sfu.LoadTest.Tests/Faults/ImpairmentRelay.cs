using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// A UDP relay on loopback standing in for a bad network path (this kernel has no <c>tc netem</c>): clients send to
/// <see cref="Listen"/>, each client gets its own upstream socket toward the server, and replies go back the same way.
/// Packets of clients whose address <c>impaired</c> selects are held for <c>delay ± jitter</c> (uniform) in both
/// directions once <see cref="Impair"/> is set, so later packets overtake earlier ones: delay and reordering. Others
/// pass at once. Bounded: at most 64 clients and 4096 packets in flight; beyond that packets are dropped and counted.
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
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
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
        lock (_flows)
        {
            _loops.Add(Task.Run(FrontLoopAsync));
            _loops.Add(Task.Run(PumpAsync));
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

    private async Task FrontLoopAsync()
    {
        var buffer = new byte[2048];
        EndPoint any = new IPEndPoint(Listen.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult got;
            try
            {
                got = await _front.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
                continue;
            }

            var client = (IPEndPoint)got.RemoteEndPoint;
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
                    _flows[client] = flow;
                    _loops.Add(Task.Run(() => BackLoopAsync(flow)));
                }
            }

            Forward(flow, buffer.AsSpan(0, got.ReceivedBytes), up: true);
        }
    }

    private async Task BackLoopAsync(Flow flow)
    {
        var buffer = new byte[2048];
        while (!_stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await flow.Upstream.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested) return;
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

    private async Task PumpAsync()
    {
        var due = new List<HeldPacket>();
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(1, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

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

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _front.Dispose();
        lock (_flows)
        {
            foreach (var flow in _flows.Values) flow.Upstream.Dispose();
        }

        Task[] loops;
        lock (_flows) loops = [.. _loops];
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _stop.Dispose();
    }

    private sealed record Flow(IPEndPoint Client, Socket Upstream, bool Impaired);

    private sealed record HeldPacket(Flow Flow, byte[] Packet, bool Up, long Sequence);
}
