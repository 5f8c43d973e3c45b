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

    public const byte AudioPayloadType = 111;
    public const byte VideoPayloadType = 96;

    public int VideoBytesPerFrame => Math.Max(SyntheticStamp.Size + 8, VideoBitrate / 8 / Math.Max(1, VideoFps));

    public int VideoPacketsPerFrame => (VideoBytesPerFrame + MaxVideoPayloadBytes - 1) / MaxVideoPayloadBytes;

    public int VideoPayloadBytes => Math.Max(SyntheticStamp.Size + 8, VideoBytesPerFrame / VideoPacketsPerFrame);

    public double VideoPacketsPerSecond => Video ? VideoPacketsPerFrame * (double)VideoFps : 0;

    public double AudioPacketsPerSecond => Audio ? 50 : 0;

    public double PacketsPerSecond => VideoPacketsPerSecond + AudioPacketsPerSecond;

    public void Validate()
    {
        if (AudioPayloadBytes is < SyntheticStamp.Size or > 1200) throw new ArgumentException("audio payload must be 28..1200 bytes");
        if (VideoFps is < 1 or > 120) throw new ArgumentException("fps must be 1..120");
        if (VideoBitrate is < 10_000 or > 50_000_000) throw new ArgumentException("video bitrate must be 10 kbit/s .. 50 Mbit/s");
    }
}
