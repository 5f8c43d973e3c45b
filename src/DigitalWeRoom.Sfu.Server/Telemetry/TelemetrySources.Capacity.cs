namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>Capacity counters (<see cref="CapacityTotals"/>): registered like traffic sources, retired into a total.</summary>
public sealed partial class TelemetrySources
{
    private readonly List<ICapacitySource> _capacity = [];
    private readonly CapacityTotals _retiredCapacity = new();

    /// <summary>Registers capacity counters until the returned handle is disposed (their last values then stay counted).</summary>
    internal IDisposable Add(ICapacitySource source) => Register(_capacity, source, static (s, self) => s.AddTo(self._retiredCapacity));

    /// <summary>Current capacity totals over live and retired owners (allocates; scrape time only).</summary>
    internal CapacityTotals ReadCapacity()
    {
        var totals = new CapacityTotals();
        lock (_lock)
        {
            totals.Add(_retiredCapacity);
            foreach (var source in _capacity)
            {
                source.AddTo(totals);
            }
        }

        return totals;
    }
}
