namespace DigitalWeRoom.Sfu.LoadTest.Media;

/// <summary>Shape of the synthetic media every publisher sends.</summary>
internal sealed record MediaProfile
{
    public bool Audio { get; init; } = true;

    /// <summary>Opus-sized: 50 packets/s of this many payload bytes (≈ 64 kbit/s).</summary>
    public int AudioPayloadBytes { get; init; } = 160;

    public bool Video { get; init; } = true;

    public int VideoBitrate { get; init; } = 1_500_000;

    public int VideoFps { get; init; } = 30;

    public TimeSpan KeyFrameInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Largest video payload; frames are split into equal packets no larger than this.</summary>
    public int MaxVideoPayloadBytes { get; init; } = 1250;

    /// <summary>
    /// RFC 6464 ssrc-audio-level one-byte header extension id on audio packets (RFC 8285 §4.2); 0 = not sent.
    /// The server negotiates id 1 (docs/negotiation.md).
    /// </summary>
    public byte AudioLevelExtensionId { get; init; }

    /// <summary>
    /// Simulcast encodings of the camera, lowest first (RFC 8853); null = one stream. Each layer is its own SSRC
    /// carrying its rid (RFC 8852) and MID (RFC 8843 §15) header extensions until an RTCP report acknowledges it,
    /// as Chromium does; the VP8 descriptor then carries a 15-bit PictureID (RFC 7741 §4.2).
    /// </summary>
    public IReadOnlyList<SimulcastLayer>? Simulcast { get; init; }

    /// <summary>Write a 15-bit VP8 PictureID in every video descriptor (always on with simulcast).</summary>
    public bool Vp8PictureId { get; init; }

    public const byte AudioPayloadType = 111;
    public const byte VideoPayloadType = 96;

    public int VideoBytesPerFrame => Math.Max(SyntheticStamp.Size + 16, VideoBitrate / 8 / Math.Max(1, VideoFps));

    public int VideoPacketsPerFrame => (VideoBytesPerFrame + MaxVideoPayloadBytes - 1) / MaxVideoPayloadBytes;

    public int VideoPayloadBytes => Math.Max(SyntheticStamp.Size + 16, VideoBytesPerFrame / VideoPacketsPerFrame);

    public double VideoPacketsPerSecond => !Video ? 0
        : Simulcast is { Count: > 0 } layers ? layers.Sum(l => ForLayer(l).VideoPacketsPerFrame * (double)VideoFps)
        : VideoPacketsPerFrame * (double)VideoFps;

    /// <summary>The profile one simulcast layer's stream sends with: its own bitrate, PictureIDs on.</summary>
    public MediaProfile ForLayer(SimulcastLayer layer) => this with { VideoBitrate = layer.Bitrate, Simulcast = null, Vp8PictureId = true };

    public double AudioPacketsPerSecond => Audio ? 50 : 0;

    public double PacketsPerSecond => VideoPacketsPerSecond + AudioPacketsPerSecond;

    public void Validate()
    {
        if (AudioPayloadBytes is < SyntheticStamp.Size or > 1200) throw new ArgumentException("audio payload must be 28..1200 bytes");
        if (VideoFps is < 1 or > 120) throw new ArgumentException("fps must be 1..120");
        if (VideoBitrate is < 10_000 or > 50_000_000) throw new ArgumentException("video bitrate must be 10 kbit/s .. 50 Mbit/s");
        if (Simulcast is { } layers)
        {
            if (layers.Count is < 1 or > 4) throw new ArgumentException("simulcast needs 1..4 layers");
            foreach (var l in layers)
            {
                if (l.Bitrate is < 10_000 or > 50_000_000) throw new ArgumentException($"simulcast layer {l.Rid}: bitrate must be 10 kbit/s .. 50 Mbit/s");
                if (l.Rid.Length is < 1 or > 16 || !l.Rid.All(char.IsAsciiLetterOrDigit)) throw new ArgumentException($"simulcast rid '{l.Rid}' must be 1..16 letters or digits (RFC 8851 §10)");
            }
        }
    }
}

/// <summary>One simulcast encoding: its rid, bitrate and the frame size written into its VP8 key frames.</summary>
internal sealed record SimulcastLayer(string Rid, int Bitrate, int Width, int Height)
{
    /// <summary>Three layers like the meeting page's: q 320x180 at 100 kbit/s, h 640x360 at 500 k, f 1280x720 at 1.5 M.</summary>
    public static IReadOnlyList<SimulcastLayer> Default { get; } =
    [
        new("q", 100_000, 320, 180),
        new("h", 500_000, 640, 360),
        new("f", 1_500_000, 1280, 720),
    ];

    /// <summary>Default rids and sizes with the given bitrates (lowest first).</summary>
    public static IReadOnlyList<SimulcastLayer> WithBitrates(IReadOnlyList<int> bitrates) =>
        bitrates.Count != Default.Count ? throw new ArgumentException($"simulcast bitrates: give {Default.Count} (q,h,f)")
        : [.. Default.Select((l, i) => l with { Bitrate = bitrates[i] })];
}
