using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// The counter owners metrics read at scrape time: traffic sources (routers, endpoints) and drop
/// counters. A source that goes away (a room closes) has its last values folded into a retired
/// total, so exported counters never go backwards.
/// </summary>
public sealed partial class TelemetrySources
{
    private readonly Lock _lock = new();
    private readonly List<ITrafficSource> _traffic = [];
    private readonly List<DropCounters> _drops = [];
    private readonly TrafficTotals _retiredTraffic = new();
    private readonly long[] _retiredDrops = new long[byte.MaxValue + 1];

    public TelemetrySources() => _drops.Add(ServerDrops);

    /// <summary>Drops counted by the host itself (signaling input and anything without its own counters).</summary>
    internal DropCounters ServerDrops { get; } = new();

    /// <summary>Registers a traffic source until the returned handle is disposed.</summary>
    public IDisposable Add(ITrafficSource source) => Register(_traffic, source, static (s, self) => s.AddTo(self._retiredTraffic));

    /// <summary>Registers drop counters (of an endpoint, a router) until the returned handle is disposed.</summary>
    internal IDisposable Add(DropCounters counters) => Register(_drops, counters, static (c, self) =>
    {
        for (var i = 1; i < self._retiredDrops.Length; i++)
        {
            self._retiredDrops[i] += c.Get((DropReason)i);
        }
    });

    /// <summary>Adds <paramref name="item"/> to <paramref name="list"/>; disposing the handle removes it and folds its last values into the retired totals.</summary>
    private Registration Register<T>(List<T> list, T item, Action<T, TelemetrySources> retire)
    {
        lock (_lock)
        {
            list.Add(item);
        }

        return new Registration(() =>
        {
            lock (_lock)
            {
                if (list.Remove(item))
                {
                    retire(item, this);
                }
            }
        });
    }

    /// <summary>Current totals over live and retired sources (allocates; scrape and sampling time only).</summary>
    public TrafficTotals ReadTraffic()
    {
        var totals = new TrafficTotals();
        lock (_lock)
        {
            totals.Add(_retiredTraffic);
            foreach (var source in _traffic)
            {
                source.AddTo(totals);
            }
        }

        return totals;
    }

    /// <summary>Drops by reason (index = <see cref="DropReason"/> value) over live and retired counters.</summary>
    public long[] ReadDrops()
    {
        var result = new long[byte.MaxValue + 1];
        lock (_lock)
        {
            Array.Copy(_retiredDrops, result, result.Length);
            foreach (var counters in _drops)
            {
                for (var i = 1; i < result.Length; i++)
                {
                    result[i] += counters.Get((DropReason)i);
                }
            }
        }

        return result;
    }

    private sealed class Registration(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }
}
