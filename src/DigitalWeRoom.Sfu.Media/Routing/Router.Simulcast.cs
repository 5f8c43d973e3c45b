namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>Told which simulcast layers of a track any subscriber wants (dynacast), so the publisher can pause the others.</summary>
internal interface IProducerLayerListener
{
    /// <summary>
    /// <paramref name="producer"/> is the track's lowest layer; bit i of <paramref name="mask"/> set = layer i is
    /// wanted by at least one unpaused consumer. Raised on the room control thread when the mask changes.
    /// </summary>
    void OnLayersNeeded(Producer producer, int mask);
}

/// <summary>Simulcast bookkeeping of the router: dynacast masks and the active speaker used for allocation.</summary>
internal sealed partial class Router
{
    private readonly Dictionary<Producer, int> _layerMasks = [];

    /// <summary>Receives dynacast changes (the room wires it to the publisher's signaling).</summary>
    public IProducerLayerListener? LayerListener { get; set; }

    /// <summary>Participant (transport id) whose video the bandwidth allocation serves right after audio.</summary>
    public string? ActiveSpeakerTransportId { get; set; }

    /// <summary>The last dynacast mask raised for a track (keyed by its lowest layer); -1 if none yet.</summary>
    public int LayerMaskOf(Producer lowestLayer)
    {
        lock (_layerMasks)
        {
            return _layerMasks.TryGetValue(lowestLayer, out int mask) ? mask : -1;
        }
    }

    /// <summary>Room control: a simulcast consumer's preferred layer (or pause state, or existence) changed.</summary>
    internal void OnPreferredLayerChanged(Consumer consumer)
    {
        var layers = consumer.Simulcast!.Layers;
        var lowest = layers[0];
        int mask = 0;
        foreach (var other in lowest.Consumers)
        {
            if (other.Simulcast is not { } s || other.IsPaused || other.IsClosed) continue;
            int target = Math.Min(s.PreferredLayer, s.Layers.Length - 1);
            if (target >= 0) mask |= 1 << target;
        }
        bool changed;
        lock (_layerMasks)
        {
            changed = !_layerMasks.TryGetValue(lowest, out int previous) || previous != mask;
            _layerMasks[lowest] = mask;
        }
        if (changed) LayerListener?.OnLayersNeeded(lowest, mask);
    }

    private static void RemoveFromLayers(Consumer consumer)
    {
        if (consumer.Simulcast is not { } simulcast) return;
        foreach (var layer in simulcast.Layers)
        {
            if (layer != consumer.Producer) layer.RemoveConsumer(consumer);
        }
    }
}
