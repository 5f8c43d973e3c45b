namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Camera simulcast on the server path (RFC 8853): the server offers these rids on each camera m= section and the
/// page encodes one layer per rid, lowest first, each half the size of the next.
/// </summary>
public sealed class SimulcastSettings
{
    /// <summary>Offer simulcast to publishers. Off: one camera encoding per publisher.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Rids used when none are configured.</summary>
    public static readonly IReadOnlyList<string> DefaultRids = ["q", "h", "f"];

    /// <summary>
    /// Rids, lowest layer first (1..16 alphanumeric characters each, 2..4 of them); unset: <see cref="DefaultRids"/>.
    /// Null by default because the configuration binder appends to an array it finds filled.
    /// </summary>
    public string[]? Rids { get; set; }

    /// <summary>The configured rids, else the defaults.</summary>
    public IReadOnlyList<string> EffectiveRids => Rids is { Length: > 0 } rids ? rids : DefaultRids;

    /// <summary>
    /// Nominal size of the top layer (the page's camera capture size, 640x480 unless ?camera=WxH); lower layers are
    /// halved per step. Used until a layer's first VP8 key frame tells its real size.
    /// </summary>
    public int TopWidth { get; set; } = 640;

    public int TopHeight { get; set; } = 480;

    /// <summary>
    /// How long a layer that no subscriber needs any more stays encoded before the publisher is told to pause it
    /// (dynacast); layers needed again are resumed at once.
    /// </summary>
    public TimeSpan LayerOffDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary><c>video-size</c> messages accepted per participant per second (more are ignored).</summary>
    public int VideoSizeMessagesPerSecond { get; set; } = 10;

    /// <summary>Returns null when usable, else what is wrong.</summary>
    public string? Validate()
    {
        if (!Enabled)
        {
            return null;
        }

        var rids = EffectiveRids;
        if (rids.Count is < 2 or > 4 || rids.Distinct(StringComparer.Ordinal).Count() != rids.Count
            || rids.Any(r => r.Length is 0 or > 16 || !r.All(char.IsAsciiLetterOrDigit)))
        {
            return "Simulcast:Rids must be 2-4 distinct alphanumeric ids of 1-16 characters, lowest layer first";
        }

        if (TopWidth is < 16 or > 7680 || TopHeight is < 16 or > 4320)
        {
            return "Simulcast:TopWidth/TopHeight must be 16..7680 x 16..4320";
        }

        if (LayerOffDelay < TimeSpan.Zero || LayerOffDelay > TimeSpan.FromMinutes(1))
        {
            return "Simulcast:LayerOffDelay must be 0..60 s";
        }

        return VideoSizeMessagesPerSecond is < 1 or > 100 ? "Simulcast:VideoSizeMessagesPerSecond must be 1..100" : null;
    }
}
