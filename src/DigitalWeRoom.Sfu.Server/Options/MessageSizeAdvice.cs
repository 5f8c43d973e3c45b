namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>
/// The start-up check that a full room's SDP answer fits the signaling message limit. On the server path a client's
/// answer carries one m= section per remote track (RFC 8843 bundles them, RFC 8829 §5.3 answers each), about 1 KiB
/// each plus JSON escaping, so the answer grows with the room (LargeMeetingSdpTests); past the limit the answer is
/// refused and that participant never receives media.
/// </summary>
internal static class MessageSizeAdvice
{
    /// <summary>Bytes per answered m= section in a signaling message (a browser's recvonly section with its codecs, rtcp-fb and extmap lines, JSON-escaped).</summary>
    public const int BytesPerMediaSection = 1200;

    /// <summary>Session-level lines, the two published sections and the JSON envelope.</summary>
    public const int BaseBytes = 8 * 1024;

    /// <summary>The message size a room of <paramref name="participants"/> needs: an audio and a video section per other participant.</summary>
    public static int RequiredBytes(int participants) => BaseBytes + (Math.Max(participants - 1, 0) * 2 * BytesPerMediaSection);

    /// <summary>A warning when a full room's answers would exceed Sfu:Limits:MaxMessageBytes; null when they fit.</summary>
    public static string? Warning(LimitSettings limits)
    {
        int required = RequiredBytes(limits.MaxParticipantsPerRoom);
        if (required <= limits.MaxMessageBytes)
        {
            return null;
        }

        int fits = Math.Max(1, ((limits.MaxMessageBytes - BaseBytes) / (2 * BytesPerMediaSection)) + 1);
        return $"Sfu:Limits:MaxMessageBytes is {limits.MaxMessageBytes} but a full room of Sfu:Limits:MaxParticipantsPerRoom " +
            $"{limits.MaxParticipantsPerRoom} sends SDP answers of about {required} bytes: on the server path answers from rooms " +
            $"above about {fits} participants would be refused. Raise Sfu:Limits:MaxMessageBytes to at least {required}.";
    }
}
