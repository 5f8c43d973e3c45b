using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Simulcast part of a session. Publisher side: one <see cref="Producer"/> per rid of a camera section (RFC 8853),
/// lowest first, the lowest carrying the track id subscribers see. Subscriber side: the page's tile sizes
/// (<c>video-size</c>) pick each consumer's preferred layer; the bandwidth allocator caps it.
/// </summary>
public sealed partial class SfuSession : ISimulcastSession
{
    private readonly Dictionary<string, (int Width, int Height)> _videoSizes = [];
    private long _videoSizeWindowStart = long.MinValue;
    private int _videoSizeCount;

    /// <summary>video-size messages ignored by the rate limit.</summary>
    public long VideoSizesDropped { get; private set; }

    /// <summary>The published track whose lowest layer is <paramref name="lowest"/>; null if it is not this session's.</summary>
    public PublishedTrack? TrackOf(Producer lowest) =>
        lowest.Mid is { } mid && _published.TryGetValue(mid, out var track) && track.Lowest == lowest ? track : null;

    /// <summary>
    /// Publisher: one producer per rid the client sends, ordered by the configured rids (lowest first). Nominal sizes
    /// halve per configured step below the top layer. Returns the layers, lowest (the track) first.
    /// </summary>
    private Producer[] CreateLayerProducers(NegotiatedMedia media, RtpCodec[] codecs, (byte, byte)[] rtx)
    {
        var configured = _room.Negotiation.CameraSimulcastRids;
        int IndexOf(string rid)
        {
            for (var i = 0; i < configured.Count; i++)
            {
                if (configured[i] == rid)
                {
                    return i;
                }
            }

            return configured.Count;
        }

        var rids = media.RemoteRids.OrderBy(IndexOf).ToArray();
        var settings = _room.Simulcast;
        var trackId = $"{ParticipantId}-{media.Mid}";
        var layers = new Producer[rids.Length];
        for (var i = 0; i < rids.Length; i++)
        {
            var step = Math.Max(0, Math.Max(configured.Count, rids.Length) - 1 - Math.Min(IndexOf(rids[i]), Math.Max(configured.Count, rids.Length) - 1));
            layers[i] = _room.Router.CreateProducer(_media!, new ProducerOptions(i == 0 ? trackId : $"{trackId}-{rids[i]}", MediaKind.Video, 0, codecs)
            {
                RtxPayloadTypes = rtx,
                Mid = media.Mid,
                Rid = rids[i],
                Width = settings.TopWidth >> step,
                Height = settings.TopHeight >> step,
            });
        }

        _room.AddSimulcastTrack(this, trackId, layers);
        return layers;
    }

    /// <summary>Subscriber: options for a consumer of <paramref name="producer"/>, with its layers when it is simulcast.</summary>
    private ConsumerOptions WithLayers(ConsumerOptions options, Producer producer)
    {
        if (_room.Find(producer.Publisher.Id)?.TrackOf(producer) is not { IsSimulcast: true, Layers: var layers })
        {
            return options;
        }

        var preferred = layers.Length - 1;
        if (_videoSizes.TryGetValue(producer.Id, out var size))
        {
            preferred = PreferredLayerFor(layers, size.Width, size.Height);
        }

        return options with { SimulcastLayers = layers, PreferredLayer = preferred };
    }

    /// <summary>The lowest layer at least as large as the tile (same rule as Consumer.SetPreferredSize).</summary>
    internal static int PreferredLayerFor(Producer[] layers, int width, int height) => Consumer.LayerForSize(layers, width, height);

    /// <summary>Room loop: the page shows <paramref name="trackId"/> in a tile of this many device pixels.</summary>
    public void SetVideoSize(string trackId, int width, int height)
    {
        var now = _room.Router.Time.GetTimestamp();
        var frequency = _room.Router.Time.TimestampFrequency;
        if (_videoSizeWindowStart == long.MinValue || now - _videoSizeWindowStart >= frequency)
        {
            _videoSizeWindowStart = now;
            _videoSizeCount = 0;
        }

        if (++_videoSizeCount > _room.Simulcast.VideoSizeMessagesPerSecond)
        {
            VideoSizesDropped++;
            return;
        }

        if (_videoSizes.Count >= 256 && !_videoSizes.ContainsKey(trackId))
        {
            _videoSizes.Clear(); // bounded: a page reports only the tracks it receives
        }

        _videoSizes[trackId] = (width, height);
        if (_consumers.TryGetValue(trackId, out var consumer) && consumer.Simulcast is not null)
        {
            consumer.SetPreferredSize(Math.Max(1, width), Math.Max(1, height));
        }
    }

    /// <summary>Dynacast (any thread): tell this publisher which rids of its track to encode.</summary>
    internal void SendLayers(string trackId, string[] activeRids)
    {
        if (!_disposed)
        {
            _host.Send(new SignalMessage { Type = MessageTypes.Layers, TrackId = trackId, Active = activeRids });
        }
    }
}
