using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// What the server offers on every participant connection and the limits it enforces on answers.
/// Payload types and extension ids are fixed by the server, so every Producer and Consumer in a room
/// agrees on them and forwarding never rewrites payload types.
/// </summary>
public sealed record NegotiationOptions
{
    /// <summary>Codecs offered, in preference order per kind. Default: opus and VP8 (+ RTX).</summary>
    public IReadOnlyList<CodecSpec> Codecs { get; init; } = [CodecSpec.Opus, CodecSpec.Vp8];

    public IReadOnlyList<HeaderExtensionSpec> HeaderExtensions { get; init; } = HeaderExtensionSpec.Defaults;

    /// <summary>Most m= sections one connection may carry (publish + subscribe, inactive ones included).</summary>
    public int MaxMediaSections { get; init; } = 256;

    /// <summary>
    /// Largest answer accepted, in characters. The shared parser has its own ceiling
    /// (<see cref="Protocols.Sdp.SdpParser.MaxLength"/>), so a larger value here has no effect.
    /// </summary>
    public int MaxSdpLength { get; init; } = Protocols.Sdp.SdpParser.MaxLength;

    /// <summary>Most SSRCs accepted in one answered m= section.</summary>
    public int MaxSsrcsPerMediaSection { get; init; } = 16;

    /// <summary>
    /// RIDs offered (as <c>a=rid:X recv</c> + <c>a=simulcast:recv</c>, RFC 8853) on the camera m= section;
    /// empty for no simulcast.
    /// </summary>
    public IReadOnlyList<string> CameraSimulcastRids { get; init; } = [];

    /// <summary>Returns null when the options are usable, otherwise what is wrong.</summary>
    public string? Validate()
    {
        if (MaxMediaSections is < 1 or > 1024)
        {
            return $"MaxMediaSections must be 1..1024, was {MaxMediaSections}";
        }
        if (MaxSdpLength < 1024)
        {
            return $"MaxSdpLength must be at least 1024, was {MaxSdpLength}";
        }
        if (!Codecs.Any(c => c.Kind == MediaKind.Audio) || !Codecs.Any(c => c.Kind == MediaKind.Video))
        {
            return "at least one audio and one video codec must be configured";
        }
        var payloadTypes = new HashSet<byte>();
        foreach (var codec in Codecs)
        {
            foreach (var pt in codec.RtxPayloadType is { } rtx ? [codec.PayloadType, rtx] : new[] { codec.PayloadType })
            {
                if (pt > 127 || pt is >= 64 and <= 95)
                {
                    return $"codec {codec.Name}: payload type {pt} is outside 0..63 and 96..127 (RFC 5761 §4)";
                }
                if (!payloadTypes.Add(pt))
                {
                    return $"codec {codec.Name}: payload type {pt} is used twice";
                }
            }
            if (!SdpToken.IsToken(codec.Name) || codec.ClockRate <= 0 ||
                (codec.Fmtp is not null && !SdpToken.IsLineSafe(codec.Fmtp)) ||
                codec.RtcpFeedback.Any(f => !SdpToken.IsLineSafe(f)))
            {
                return $"codec {codec.Name}: name, clock rate, fmtp or rtcp-fb is not valid SDP";
            }
        }
        var ids = new HashSet<byte>();
        foreach (var extension in HeaderExtensions)
        {
            if (extension.Id is < 1 or > 14 || !ids.Add(extension.Id))
            {
                return $"header extension {extension.Uri}: id {extension.Id} is not a unique one-byte id 1..14 (RFC 8285 §4.2)";
            }
            if (!SdpToken.IsToken(extension.Uri))
            {
                return $"header extension id {extension.Id}: uri is not valid SDP";
            }
        }
        foreach (var rid in CameraSimulcastRids)
        {
            if (!SdpToken.IsRid(rid))
            {
                return $"simulcast rid '{rid}' is not alphanumeric 1..16 characters (RFC 8851 §10)";
            }
        }
        return null;
    }
}
