using DigitalWeRoom.Sfu.Rooms.Negotiation;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The room's video codec: forwarding never transcodes, so every participant must decode the same codec.
/// The first participant fixes it (the first configured codec it supports); later joiners that cannot
/// decode it are refused with <c>unsupported-codec</c> and nobody present is disturbed.
/// </summary>
public sealed partial class Room
{
    private string? _videoCodec;

    /// <summary>The video codec the room forwards; null until the first participant joined.</summary>
    public string? VideoCodec => _videoCodec;

    /// <summary>Runs on the loop before a participant is added; false when the join was answered with a refusal.</summary>
    private bool TryAdmitCodec(RoomCommand.Join join)
    {
        var offers = join.VideoCodecs;
        if (_videoCodec is null)
        {
            var chosen = VideoCodecCatalog.Choose(_settings.VideoCodecs, offers);
            if (chosen is null)
            {
                Refuse(join, $"this server offers only {string.Join(", ", _settings.VideoCodecs)} and your browser can decode none of them (it offers: {Describe(offers)})");
                return false;
            }

            _videoCodec = chosen;
            _media?.UseVideoCodec(chosen);
            _logger.LogInformation("Room {Room}: video codec {Codec}", Name, chosen);
            return true;
        }

        if (VideoCodecCatalog.Supports(offers, _videoCodec))
        {
            return true;
        }

        Refuse(join, $"this room uses {_videoCodec} and your browser cannot decode it (it offers: {Describe(offers)})");
        return false;
    }

    private void Refuse(RoomCommand.Join join, string reason)
    {
        _logger.LogInformation("Room {Room}: join refused: {Reason}", Name, reason);
        join.Done.TrySetResult(new JoinResult(JoinOutcome.UnsupportedCodec, this, null) { Detail = reason });
    }

    private static string Describe(IReadOnlyList<string>? offers) => offers is { Count: > 0 } ? string.Join(", ", offers) : "none";
}
