using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Subscriber side of simulcast for one session: the page's tile sizes (<c>video-size</c>, rate-limited and bounded)
/// pick each consumer's preferred layer (RFC 8853 rids, lowest first); the bandwidth allocator caps it. It reads the
/// session's consumers, never adds or removes one. Room loop only.
/// </summary>
internal sealed class VideoSizeRequests
{
    /// <summary>At most this many tracks' sizes are kept: a page reports only the tracks it receives.</summary>
    private const int MaxTracks = 256;

    private readonly SfuRoomMedia _room;
    private readonly Dictionary<string, Consumer> _consumers;
    private readonly Dictionary<string, (int Width, int Height)> _sizes = [];
    private long _windowStart = long.MinValue;
    private int _count;

    /// <param name="consumers">The session's consumers by track id (read here, changed only by the session).</param>
    public VideoSizeRequests(SfuRoomMedia room, Dictionary<string, Consumer> consumers)
    {
        _room = room;
        _consumers = consumers;
    }

    /// <summary>video-size messages ignored by the rate limit.</summary>
    public long Dropped { get; private set; }

    /// <summary>Options for a consumer of <paramref name="producer"/>, with its layers when it is simulcast.</summary>
    public ConsumerOptions WithLayers(ConsumerOptions options, Producer producer)
    {
        if (_room.Find(producer.Publisher.Id)?.TrackOf(producer) is not { IsSimulcast: true, Layers: var layers })
        {
            return options;
        }

        var preferred = layers.Length - 1;
        if (_sizes.TryGetValue(producer.Id, out var size))
        {
            preferred = PreferredLayerFor(layers, size.Width, size.Height);
        }

        return options with { SimulcastLayers = layers, PreferredLayer = preferred };
    }

    /// <summary>The lowest layer at least as large as the tile (same rule as Consumer.SetPreferredSize).</summary>
    internal static int PreferredLayerFor(Producer[] layers, int width, int height) => Consumer.LayerForSize(layers, width, height);

    /// <summary>The page shows <paramref name="trackId"/> in a tile of this many device pixels.</summary>
    public void Set(string trackId, int width, int height)
    {
        var now = _room.Router.Time.GetTimestamp();
        var frequency = _room.Router.Time.TimestampFrequency;
        if (_windowStart == long.MinValue || now - _windowStart >= frequency)
        {
            _windowStart = now;
            _count = 0;
        }

        if (++_count > _room.Simulcast.VideoSizeMessagesPerSecond)
        {
            Dropped++;
            return;
        }

        if (_sizes.Count >= MaxTracks && !_sizes.ContainsKey(trackId))
        {
            _sizes.Clear(); // bounded: a page reports only the tracks it receives
        }

        _sizes[trackId] = (width, height);
        if (_consumers.TryGetValue(trackId, out var consumer) && consumer.Simulcast is not null)
        {
            consumer.SetPreferredSize(Math.Max(1, width), Math.Max(1, height));
        }
    }
}
