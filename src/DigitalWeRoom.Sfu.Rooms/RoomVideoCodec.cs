using DigitalWeRoom.Sfu.Rooms.Negotiation;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The room's video codec: forwarding never transcodes, so every participant must decode the same codec.
/// The first participant fixes it (the first configured codec it supports); later joiners that cannot
/// decode it are refused with <c>unsupported-codec</c> and nobody present is disturbed. Room loop only.
/// </summary>
internal sealed class RoomVideoCodec
{
    private readonly string _room;
    private readonly IReadOnlyList<string> _configured;
    private readonly ILogger _logger;
    private volatile string? _codec;

    internal RoomVideoCodec(string room, IReadOnlyList<string> configured, ILogger logger)
    {
        _room = room;
        _configured = configured;
        _logger = logger;
    }

    /// <summary>The video codec the room forwards; null until the first participant joined. Any thread.</summary>
    public string? Codec => _codec;

    /// <summary>
    /// Before a participant is added: whether it can join with the video codecs it <paramref name="offers"/>; the first
    /// admitted one fixes the room's codec (and tells <paramref name="media"/>). False with the refusal's reason.
    /// </summary>
    public bool TryAdmit(IReadOnlyList<string>? offers, IRoomMedia? media, out string refusal)
    {
        refusal = "";
        if (_codec is null)
        {
            var chosen = VideoCodecCatalog.Choose(_configured, offers);
            if (chosen is null)
            {
                refusal = $"this server offers only {string.Join(", ", _configured)} and your browser can decode none of them (it offers: {Describe(offers)})";
                return false;
            }

            _codec = chosen;
            media?.UseVideoCodec(chosen);
            _logger.LogInformation("Room {Room}: video codec {Codec}", _room, chosen);
            return true;
        }

        if (VideoCodecCatalog.Supports(offers, _codec))
        {
            return true;
        }

        refusal = $"this room uses {_codec} and your browser cannot decode it (it offers: {Describe(offers)})";
        return false;
    }

    private static string Describe(IReadOnlyList<string>? offers) => offers is { Count: > 0 } ? string.Join(", ", offers) : "none";
}
