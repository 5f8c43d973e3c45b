namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The media type of a track and of its RTP m= section (RFC 8866 §5.14): one definition for the media core and the
/// conference layer's negotiation. Values are stable (they appear in logs and metrics).
/// </summary>
public enum MediaKind : byte
{
    Audio = 1,
    Video = 2,
}

public static class MediaKindExtensions
{
    public static string ToSdpName(this MediaKind kind) => kind == MediaKind.Audio ? "audio" : "video";

    public static bool TryParse(string value, out MediaKind kind)
    {
        switch (value)
        {
            case "audio":
                kind = MediaKind.Audio;
                return true;
            case "video":
                kind = MediaKind.Video;
                return true;
            default:
                kind = default;
                return false;
        }
    }
}
