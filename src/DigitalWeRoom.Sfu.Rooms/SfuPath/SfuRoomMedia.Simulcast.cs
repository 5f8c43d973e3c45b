using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Simulcast part of a room: settings, and dynacast. The router reports per track which layers subscribers need
/// (on the room loop for tile changes, on a subscriber's receive loop for bandwidth changes); <see cref="DynacastLayers"/>
/// debounces turning layers off and the publisher is sent <c>layers</c> {trackId, active:[rid...]} when its set changes.
/// </summary>
public sealed partial class SfuRoomMedia : IProducerLayerListener
{
    private readonly ConcurrentDictionary<Producer, DynacastTrack> _dynacast = new();
    private readonly SimulcastSettings _simulcast = new();
    private ITimer? _dynacastTimer;

    /// <summary>The server's simulcast settings (set once by the host).</summary>
    public SimulcastSettings Simulcast
    {
        get => _simulcast;
        init
        {
            _simulcast = value;
            Router.Dynacast.Listener = this;
            var period = TimeSpan.FromMilliseconds(Math.Clamp(value.LayerOffDelay.TotalMilliseconds / 4, 100, 1000));
            _dynacastTimer = Router.Time.CreateTimer(_ => OnDynacastTick(), null, period, period);
        }
    }

    /// <summary>Layer messages sent to publishers (tests, metrics).</summary>
    public long LayerMessagesSent => Interlocked.Read(ref _layerMessagesSent);

    private long _layerMessagesSent;

    /// <summary>Room loop: a publisher's simulcast track was created; its layers start all active (as the page starts them).</summary>
    internal void AddSimulcastTrack(SfuSession publisher, string trackId, Producer[] layers) =>
        _dynacast[layers[0]] = new DynacastTrack(publisher, trackId, layers, [.. layers.Select(l => l.Rid ?? "")],
            new DynacastLayers(layers.Length, _simulcast.LayerOffDelay, Router.Time.TimestampFrequency));

    /// <summary>The layers the publisher is told to encode for the track whose lowest layer is <paramref name="lowest"/>; -1 if unknown.</summary>
    internal int ActiveLayersOf(Producer lowest)
    {
        if (!_dynacast.TryGetValue(lowest, out var track)) return -1;
        lock (track) return track.Layers.Active;
    }

    void IProducerLayerListener.OnLayersNeeded(Producer producer, int mask)
    {
        if (!_dynacast.TryGetValue(producer, out var track)) return;
        bool changed;
        lock (track) changed = track.Layers.OnNeeded(mask, Router.Time.GetTimestamp());
        if (changed) SendLayers(track);
    }

    private void OnDynacastTick()
    {
        long now = Router.Time.GetTimestamp();
        foreach (var (producer, track) in _dynacast)
        {
            if (producer.IsClosed)
            {
                _dynacast.TryRemove(producer, out _);
                continue;
            }
            bool changed;
            lock (track) changed = track.Layers.Tick(now);
            if (changed) SendLayers(track);
        }
    }

    private void SendLayers(DynacastTrack track)
    {
        int active;
        lock (track) active = track.Layers.Active;
        var rids = track.Rids.Where((_, i) => (active & (1 << i)) != 0).ToArray();
        Interlocked.Increment(ref _layerMessagesSent);
        Logger.LogDebug("Dynacast {Track}: active {Rids}", track.TrackId, string.Join(",", rids));
        track.Publisher.SendLayers(track.TrackId, rids);
    }

    /// <summary>Told once when the room's media is disposed (the host forgets it).</summary>
    public IRoomMediaClosedListener? ClosedListener { get; init; }

    /// <summary>Simulcast tracks published in this room: layers lowest first (diagnostics, tests).</summary>
    public IReadOnlyList<Producer[]> SimulcastTracks => [.. _dynacast.Values.Select(t => t.Producers)];

    private void DisposeSimulcast()
    {
        _dynacastTimer?.Dispose();
        ClosedListener?.OnRoomMediaClosed(this);
    }

    private sealed record DynacastTrack(SfuSession Publisher, string TrackId, Producer[] Producers, string[] Rids, DynacastLayers Layers);
}

/// <summary>Told when a room's media has been disposed (implemented by <see cref="SfuMediaHost"/>, which tracks open rooms).</summary>
public interface IRoomMediaClosedListener
{
    void OnRoomMediaClosed(SfuRoomMedia room);
}
