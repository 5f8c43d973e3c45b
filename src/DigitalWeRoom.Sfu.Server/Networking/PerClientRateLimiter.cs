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
/// </summary>
internal class PerClientRateLimiter : IDisposable
{
    /// <summary>Clients tracked before expired windows are swept at once rather than once a window.</summary>
    internal const int SweepAbove = 4096;

    private static readonly TimeSpan WindowLength = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Window> _windows = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private long _lastSweep;

    public PerClientRateLimiter(int perMinute, TimeProvider time)
    {
        PerMinute = perMinute;
        _time = time;
        _windowTicks = (long)(WindowLength.TotalSeconds * time.TimestampFrequency);
        _lastSweep = time.GetTimestamp();
    }

    public int PerMinute { get; }

    /// <summary>Clients with a window (for tests).</summary>
    internal int TrackedClients => _windows.Count;

    public bool TryAcquire(IPAddress? address)
    {
        long now = _time.GetTimestamp();
        var window = _windows.GetOrAdd(ClientAddressKey.For(address), static (_, start) => new Window(start), now);
        bool acquired = window.TryTake(now, _windowTicks, PerMinute);
        long lastSweep = Volatile.Read(ref _lastSweep);
        if ((now - lastSweep >= _windowTicks || _windows.Count > SweepAbove) && Interlocked.CompareExchange(ref _lastSweep, now, lastSweep) == lastSweep)
        {
            Sweep(now);
        }
        return acquired;
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
