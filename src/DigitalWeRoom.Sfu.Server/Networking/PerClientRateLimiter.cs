using System.Collections.Concurrent;
using System.Net;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// At most <see cref="PerMinute"/> permits per client per minute (fixed window from the client's first permit, no
/// queue). Clients are keyed by <see cref="ClientAddressKey"/> (IPv6 by /64), so one host cannot step around the limit
/// by changing addresses inside its own prefix. Used for joins (<see cref="Signaling.JoinRateLimiter"/>) and room
/// summaries. Runs no timer: windows roll over when asked, and expired ones are swept on a later acquire.
/// (<c>PartitionedRateLimiter</c>, used before, woke a thread-pool thread every 100 ms per limiter for the life of
/// the process, idle or not.)
/// The table is bounded: a caller with many addresses (many /64s, or many IPv4 hosts) could otherwise grow it without
/// limit within one window. At <see cref="MaxClients"/> live windows a client without one is refused
/// (<see cref="PermitOutcome.TooManyClients"/>, counted in <see cref="RefusedTooManyClients"/>) until windows end;
/// clients that already have a window keep their budget.
/// </summary>
internal class PerClientRateLimiter : IDisposable
{
    /// <summary>Live windows kept at most (about 150 bytes each: 2.4 MB).</summary>
    internal const int DefaultMaxClients = 16_384;

    /// <summary>Clients tracked before expired windows are swept once a second rather than once a window.</summary>
    internal const int SweepAbove = 4096;

    private static readonly TimeSpan WindowLength = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Window> _windows = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private long _lastSweep;
    private long _refusedTooManyClients;

    public PerClientRateLimiter(int perMinute, TimeProvider time, int maxClients = DefaultMaxClients)
    {
        PerMinute = perMinute;
        MaxClients = maxClients;
        _time = time;
        _windowTicks = (long)(WindowLength.TotalSeconds * time.TimestampFrequency);
        _lastSweep = time.GetTimestamp();
    }

    public int PerMinute { get; }

    /// <summary>Clients with a live window at most.</summary>
    public int MaxClients { get; }

    /// <summary>Clients refused because <see cref="MaxClients"/> windows were live.</summary>
    public long RefusedTooManyClients => Interlocked.Read(ref _refusedTooManyClients);

    /// <summary>Clients with a window (for tests).</summary>
    internal int TrackedClients => _windows.Count;

    public bool TryAcquire(IPAddress? address) => Acquire(address) == PermitOutcome.Granted;

    public PermitOutcome Acquire(IPAddress? address)
    {
        long now = _time.GetTimestamp();
        SweepIfDue(now);
        IPAddress key = ClientAddressKey.For(address);
        if (!_windows.TryGetValue(key, out Window? window))
        {
            // Checked before adding; concurrent adds may overshoot by the number of threads, which stays bounded.
            if (_windows.Count >= MaxClients)
            {
                Interlocked.Increment(ref _refusedTooManyClients);
                return PermitOutcome.TooManyClients;
            }
            window = _windows.GetOrAdd(key, static (_, start) => new Window(start), now);
        }
        return window.TryTake(now, _windowTicks, PerMinute) ? PermitOutcome.Granted : PermitOutcome.ClientOverLimit;
    }

    /// <summary>
    /// Once a window, or once a second while many clients are tracked: a sweep is O(clients), so it must not run per
    /// acquire when the table is large (a caller could otherwise buy a full scan with every request).
    /// </summary>
    private void SweepIfDue(long now)
    {
        long lastSweep = Volatile.Read(ref _lastSweep);
        long due = _windows.Count > SweepAbove ? _time.TimestampFrequency : _windowTicks;
        if (now - lastSweep >= due && Interlocked.CompareExchange(ref _lastSweep, now, lastSweep) == lastSweep)
        {
            Sweep(now);
        }
    }

    /// <summary>Forgets clients whose window has ended (their next permit opens a new one anyway).</summary>
    private void Sweep(long now)
    {
        foreach (var (key, window) in _windows)
        {
            if (window.HasEnded(now, _windowTicks)) _windows.TryRemove(key, out _);
        }
    }

    public void Dispose() => _windows.Clear();

    private sealed class Window(long start)
    {
        private readonly Lock _gate = new();
        private long _start = start;
        private int _taken;

        public bool TryTake(long now, long length, int limit)
        {
            lock (_gate)
            {
                if (now - _start >= length)
                {
                    _start = now;
                    _taken = 0;
                }
                if (_taken >= limit) return false;
                _taken++;
                return true;
            }
        }

        public bool HasEnded(long now, long length)
        {
            lock (_gate) return now - _start >= length;
        }
    }
}

/// <summary>What <see cref="PerClientRateLimiter.Acquire"/> decided.</summary>
internal enum PermitOutcome
{
    Granted,

    /// <summary>This client used its permits for the current window.</summary>
    ClientOverLimit,

    /// <summary>The limiter tracks as many clients as it may; a new client waits until windows end.</summary>
    TooManyClients,
}
