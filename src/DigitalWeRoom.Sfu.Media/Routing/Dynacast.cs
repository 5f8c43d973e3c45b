namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>Told which simulcast layers of a track any subscriber wants (dynacast), so the publisher can pause the others.</summary>
public interface IProducerLayerListener
{
    /// <summary>
    /// <paramref name="producer"/> is the track's lowest layer; bit i of <paramref name="mask"/> set = layer i is
    /// wanted by at least one unpaused consumer. Raised on the room control thread when the mask changes.
    /// </summary>
    void OnLayersNeeded(Producer producer, int mask);
}

/// <summary>
/// Dynacast: per simulcast track, the set of layers some unpaused consumer forwards (its tile preference capped by
/// its subscriber's bandwidth). When that mask changes, the <see cref="IProducerLayerListener"/> (the publisher's
/// session) is told, so the publisher stops encoding layers nobody receives.
/// </summary>
public sealed class Dynacast : ILayerDemandListener
{
    private readonly Dictionary<Producer, int> _layerMasks = [];

    /// <summary>Receives dynacast changes (the room wires it to the publisher's signaling).</summary>
    public IProducerLayerListener? Listener { get; set; }

    /// <summary>The last dynacast mask raised for a track (keyed by its lowest layer); -1 if none yet.</summary>
    public int LayerMaskOf(Producer lowestLayer)
    {
        lock (_layerMasks)
        {
            return _layerMasks.TryGetValue(lowestLayer, out int mask) ? mask : -1;
        }
    }

    /// <summary>
    /// A simulcast consumer's target layer (tile preference, bandwidth cap), pause state or existence changed: room
    /// control, a subscriber's receive loop after a bandwidth allocation, or the publisher's receive loop when the
    /// consumer's target stops or starts arriving (<see cref="SimulcastLayerSelector.TargetSilent"/>). The mask is
    /// computed under its lock.
    /// </summary>
    public void OnPreferredLayerChanged(Consumer consumer)
    {
        var layers = consumer.Simulcast!.Layers;
        var lowest = layers[0];
        lock (_layerMasks)
        {
            int mask = 0;
            foreach (var other in lowest.Consumers)
            {
                if (other.Simulcast is not { } s || other.IsPaused || other.IsClosed) continue;
                int target = s.TargetLayer; // tile preference capped by the subscriber's bandwidth
                // While the target is not arriving the subscriber gets the best lower layer: keep those encoded too.
                if (target >= 0) mask |= s.TargetSilent ? (2 << target) - 1 : 1 << target;
            }
            if (_layerMasks.TryGetValue(lowest, out int previous) && previous == mask) return;
            _layerMasks[lowest] = mask;
            Listener?.OnLayersNeeded(lowest, mask); // under the lock: masks reach the listener in order
        }
    }
}
