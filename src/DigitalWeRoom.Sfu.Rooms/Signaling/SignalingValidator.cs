using System.Text.RegularExpressions;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>
/// Checks a decoded client message before it reaches a room: known client type, required fields
/// present, every string within its length cap. Identity checks (a participant may only speak for
/// itself, may only address its current peer) need room state and are done by <see cref="Room"/>.
/// Total: never throws, returns an error code and a human-readable reason.
/// </summary>
public static partial class SignalingValidator
{
    public const int MaxRoomNameLength = 64;
    public const int MaxDisplayNameLength = 64;
    public const int MaxIdLength = 64;
    public const int MaxCandidateLength = 1024;
    /// <summary>The SDP parser's own ceiling: the operator's gate is Sfu:Limits:MaxMessageBytes (a large room needs it raised).</summary>
    public const int MaxSdpLength = Protocols.Sdp.SdpParser.MaxLength;
    public const int MaxReasonLength = 256;
    public const int MaxVideoDimension = 16384;

    /// <summary>Most ids in one <c>view</c> list (visible or pinned).</summary>
    public const int MaxViewIds = 256;
    public const int MaxCodecs = 16;
    public const int MaxCodecNameLength = 16;

    // \z, not $: in .NET $ also matches before a final newline, and "standup\n" would pass (issue #12, finding 10).
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex RoomNamePattern();

    public static bool IsValidRoomName(string? room) => room is not null && RoomNamePattern().IsMatch(room);

    public static bool TryValidate(SignalMessage message, int maxChatLength, out string code, out string reason)
    {
        code = ErrorCodes.InvalidField;
        reason = "";
        if (message.Type is null)
        {
            (code, reason) = (ErrorCodes.InvalidMessage, "missing 'type'");
            return false;
        }

        if (!Short(message.Id, MaxIdLength))
        {
            reason = "'id' too long";
            return false;
        }

        switch (message.Type)
        {
            case MessageTypes.Join:
                if (!IsValidRoomName(message.Room))
                {
                    reason = "'room' must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit";
                    return false;
                }

                if (!IsValidDisplayName(message.Name))
                {
                    reason = "'name' must be 1-64 printable characters";
                    return false;
                }

                if (!CodecList(message.Codecs))
                {
                    reason = $"'codecs' must be at most {MaxCodecs} codec names of 1-{MaxCodecNameLength} printable characters";
                    return false;
                }

                return true;

            case MessageTypes.Leave:
            case MessageTypes.Ping:
            case MessageTypes.IceRestart:
                return true;

            case MessageTypes.Offer:
            case MessageTypes.Answer:
                if (!Target(message, out reason))
                {
                    return false;
                }

                if (!LooksLikeSdp(message.Sdp))
                {
                    (code, reason) = (ErrorCodes.InvalidSdp, "'sdp' is not a session description (RFC 8866: starts with v=0, text lines, at most 384 KiB)");
                    return false;
                }

                return Short(message.ParticipantId, MaxIdLength) || Fail(out reason, "'participantId' too long");

            case MessageTypes.Candidate:
                if (!Target(message, out reason))
                {
                    return false;
                }

                if (message.Candidate is not { } c || c.Candidate is null || c.Candidate.Length > MaxCandidateLength
                    || HasControlChars(c.Candidate) || !Short(c.SdpMid, 32) || c.SdpMLineIndex is < 0 or > 255)
                {
                    reason = "'candidate' must be {candidate (<= 1024 chars), sdpMid, sdpMLineIndex}";
                    return false;
                }

                return Short(message.ParticipantId, MaxIdLength) || Fail(out reason, "'participantId' too long");

            case MessageTypes.TrackPublished:
                if (message.Track is not { } t || !IsKind(t.Kind) || t.Source is not ("camera" or "microphone" or "screen")
                    || t.Id is null || t.Id.Length is 0 or > 128 || HasControlChars(t.Id))
                {
                    reason = "'track' must be {id, kind: audio|video, source: camera|microphone|screen}";
                    return false;
                }

                return true;

            case MessageTypes.TrackUnpublished:
                if (message.Track?.Id is not { Length: > 0 and <= 128 })
                {
                    reason = "'track.id' required";
                    return false;
                }

                return true;

            case MessageTypes.Mute:
                if (!IsKind(message.Kind) || message.Muted is null)
                {
                    reason = "'mute' needs kind audio|video and muted true|false";
                    return false;
                }

                return true;

            case MessageTypes.RaiseHand:
                if (message.Raised is null)
                {
                    reason = "'raise-hand' needs raised true|false";
                    return false;
                }

                return true;

            case MessageTypes.SetName:
                if (!IsValidDisplayName(message.Name))
                {
                    reason = $"'name' must be 1-{MaxDisplayNameLength} printable characters";
                    return false;
                }

                return true;

            case MessageTypes.Moderate:
                if (message.Action is not (ModerateActions.MuteAudio or ModerateActions.MuteVideo or ModerateActions.Remove)
                    || message.Target is null || message.Target.Length is 0 or > MaxIdLength || HasControlChars(message.Target))
                {
                    reason = $"'moderate' needs action {ModerateActions.MuteAudio}|{ModerateActions.MuteVideo}|{ModerateActions.Remove} and target (1-{MaxIdLength} characters)";
                    return false;
                }

                return true;

            case MessageTypes.Chat:
                if (message.Text is null || message.Text.Length == 0 || message.Text.Length > maxChatLength)
                {
                    reason = $"'text' must be 1-{maxChatLength} characters";
                    return false;
                }

                return true;

            case MessageTypes.View:
                if (!IdList(message.Visible) || !IdList(message.Pinned))
                {
                    reason = $"'visible' and 'pinned' must be lists of at most {MaxViewIds} participant ids (1-{MaxIdLength} characters)";
                    return false;
                }

                return true;

            case MessageTypes.P2pConnected:
            case MessageTypes.P2pFailed:
                if (!Short(message.Target, MaxIdLength) || !Short(message.Reason, MaxReasonLength))
                {
                    reason = "'target' or 'reason' too long";
                    return false;
                }

                return true;

            // simulcast
            case MessageTypes.VideoSize:
                if (message.TrackId is null || message.TrackId.Length is 0 or > 128 || HasControlChars(message.TrackId)
                    || message.Width is not (>= 0 and <= MaxVideoDimension) || message.Height is not (>= 0 and <= MaxVideoDimension))
                {
                    reason = $"'video-size' needs trackId (1-128 characters) and width, height 0..{MaxVideoDimension}";
                    return false;
                }

                return true;

            default:
                (code, reason) = (ErrorCodes.UnknownType, "unknown message type");
                return false;
        }
    }

    public static bool IsValidDisplayName(string? name) =>
        name is not null && name.Trim().Length > 0 && name.Length <= MaxDisplayNameLength && !HasControlChars(name);

    private static bool Target(SignalMessage message, out string reason)
    {
        reason = "";
        if (message.Target is null || message.Target.Length is 0 or > MaxIdLength)
        {
            reason = "'target' must be \"server\" or a participant id";
            return false;
        }

        return true;
    }

    /// <summary>RFC 8866 §5: a session description starts with the version line and is line-oriented text.</summary>
    internal static bool LooksLikeSdp(string? sdp)
    {
        if (sdp is null || sdp.Length > MaxSdpLength || !sdp.StartsWith("v=0", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var ch in sdp)
        {
            if (ch < 0x20 && ch is not ('\r' or '\n' or '\t'))
            {
                return false;
            }
        }

        return sdp.Contains("\nm=", StringComparison.Ordinal) || sdp.Contains("\ns=", StringComparison.Ordinal);
    }

    /// <summary>An optional list of participant ids: bounded count, each 1..<see cref="MaxIdLength"/> printable characters.</summary>
    private static bool IdList(IReadOnlyList<string>? ids)
    {
        if (ids is null)
        {
            return true;
        }

        if (ids.Count > MaxViewIds)
        {
            return false;
        }

        foreach (var id in ids)
        {
            if (id is null || id.Length is 0 or > MaxIdLength || HasControlChars(id))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The optional <c>codecs</c> of a join: at most <see cref="MaxCodecs"/> short printable names.</summary>
    private static bool CodecList(IReadOnlyList<string>? codecs) =>
        codecs is null || (codecs.Count <= MaxCodecs && codecs.All(c => c is { Length: > 0 and <= MaxCodecNameLength } && !HasControlChars(c)));

    private static bool IsKind(string? kind) => kind is "audio" or "video";

    private static bool Short(string? value, int max) => value is null || value.Length <= max;

    private static bool Fail(out string reason, string text)
    {
        reason = text;
        return false;
    }

    private static bool HasControlChars(string value)
    {
        foreach (var ch in value)
        {
            if (char.IsControl(ch))
            {
                return true;
            }
        }

        return false;
    }
}
