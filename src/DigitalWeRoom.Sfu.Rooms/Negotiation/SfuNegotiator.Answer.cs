using System.Globalization;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

internal sealed partial class SfuNegotiator
{
    /// <summary>
    /// Validates the page's answer to the outstanding offer (RFC 3264 §6, RFC 8829 §5.3) and, when it is
    /// acceptable, makes the offered slots the agreed state. On failure the offer stays outstanding and
    /// <paramref name="error"/> names the first problem. Total: never throws on any input.
    /// </summary>
    public bool TryApplyAnswer(string sdp, out NegotiationResult result, out string error)
    {
        result = null!;
        if (_pending is null)
        {
            error = "no offer is outstanding";
            return false;
        }
        if (!AnswerViewReader.TryRead(sdp, _options.MaxSdpLength, out var view, out error) ||
            !TryInterpret(view, _pending, out result, out error))
        {
            return false;
        }
        foreach (var media in result.Media)
        {
            foreach (var stream in media.RemoteStreams)
            {
                if (IsLocalSsrc(_pending, stream.Ssrc) || (stream.RtxSsrc is { } rtx && IsLocalSsrc(_pending, rtx)))
                {
                    error = $"mid {media.Mid}: client SSRC {stream.Ssrc} collides with an SSRC the server sends with";
                    result = null!;
                    return false;
                }
                _ssrcs.Reserve(stream.Ssrc);
                if (stream.RtxSsrc is { } rtxSsrc)
                {
                    _ssrcs.Reserve(rtxSsrc);
                }
            }
        }
        var agreed = _pending;
        foreach (var media in result.Media)
        {
            if (media.Rejected && !agreed[media.Index].Rejected)
            {
                // The page stopped this transceiver: the section stays port 0 for good (RFC 8829 §5.2.2).
                agreed[media.Index] = agreed[media.Index] with
                {
                    Rejected = true, Track = null, Direction = MediaDirection.Inactive, LocalSsrc = 0, LocalRtxSsrc = 0,
                };
            }
        }
        _slots = agreed;
        _pending = null;
        Current = result;
        return true;
    }

    private static bool IsLocalSsrc(List<MediaSlot> slots, uint ssrc) =>
        ssrc != 0 && slots.Exists(s => s.LocalSsrc == ssrc || s.LocalRtxSsrc == ssrc);

    private bool TryInterpret(AnswerView view, List<MediaSlot> slots, out NegotiationResult result, out string error)
    {
        result = null!;
        if (view.Media.Count != slots.Count)
        {
            error = $"answer has {view.Media.Count} m= sections; the offer had {slots.Count} (RFC 3264 §6)";
            return false;
        }

        HashSet<string>? bundle = null;
        string? bundleTag = null;
        foreach (var group in view.SessionAttributes.Where(a => a.Name == "group"))
        {
            var tokens = (group.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length > 0 && tokens[0] == "BUNDLE")
            {
                if (bundle is not null)
                {
                    error = $"line {group.LineNumber}: a second BUNDLE group; the server offers one (RFC 8843 §7.3)";
                    return false;
                }
                bundle = new HashSet<string>(tokens.Skip(1), StringComparer.Ordinal);
                bundleTag = tokens.Length > 1 ? tokens[1] : null;
            }
        }

        var media = new List<NegotiatedMedia>(slots.Count);
        AnswerMediaView? tagSection = null;
        for (int i = 0; i < slots.Count; i++)
        {
            if (!TryInterpretMedia(view.Media[i], slots[i], bundle, out var negotiated, out error))
            {
                return false;
            }
            if (!negotiated.Rejected && negotiated.Mid == bundleTag)
            {
                tagSection = view.Media[i];
            }
            media.Add(negotiated);
        }
        if (!media.Exists(m => !m.Rejected))
        {
            error = "the answer rejected every m= section; there is no transport left";
            return false;
        }
        if (tagSection is null)
        {
            error = "the BUNDLE group's first mid is not an accepted m= section of the answer (RFC 8843 §7.3.1)";
            return false;
        }
        if (!TryReadTransport(view, tagSection, media, out var ufrag, out var pwd, out var fingerprint, out var role, out error))
        {
            return false;
        }
        result = new NegotiationResult(ufrag, pwd, fingerprint, role, media);
        return true;
    }

    private bool TryInterpretMedia(
        AnswerMediaView m, MediaSlot slot, HashSet<string>? bundle, out NegotiatedMedia negotiated, out string error)
    {
        negotiated = null!;
        string where = $"m= section {slot.Index} (mid {slot.Mid}, line {m.LineNumber})";
        if (m.Media != slot.Kind.ToSdpName())
        {
            error = $"{where}: media is '{AnswerViewReader.Clip(m.Media)}', the offer had '{slot.Kind.ToSdpName()}'";
            return false;
        }
        var midAttribute = m.Find("mid");
        bool rejected = m.Port == 0;
        if (midAttribute is { } mid && mid.Value != slot.Mid)
        {
            error = $"{where}: mid is '{AnswerViewReader.Clip(mid.Value ?? "")}', expected '{slot.Mid}' (m= sections must keep the offer's order, RFC 3264 §6)";
            return false;
        }
        if (slot.Rejected && !rejected)
        {
            error = $"{where}: the offer had port 0 (rejected), the answer must too (RFC 3264 §6)";
            return false;
        }
        if (rejected)
        {
            error = "";
            negotiated = new NegotiatedMedia(
                slot.Mid, slot.Index, slot.Kind, slot.Purpose, slot.Direction, MediaDirection.Inactive, Rejected: true,
                null, 0, 0, [], [], [], [], null, null);
            return true;
        }
        if (midAttribute is null)
        {
            error = $"{where}: accepted m= section has no a=mid (RFC 8843 §9.2)";
            return false;
        }
        if (m.Proto != SdpOfferWriter.Protocol)
        {
            error = $"{where}: protocol is '{AnswerViewReader.Clip(m.Proto)}', the offer had {SdpOfferWriter.Protocol}";
            return false;
        }
        if (bundle is null || !bundle.Contains(slot.Mid))
        {
            error = $"{where}: the answer does not put mid {slot.Mid} in a BUNDLE group; the server only supports one bundled transport (RFC 8843)";
            return false;
        }
        if (m.Find("rtcp-mux") is null)
        {
            error = $"{where}: missing a=rtcp-mux; the server requires RTP/RTCP multiplexing (RFC 5761 §5.1.3)";
            return false;
        }

        var direction = MediaDirection.SendRecv;
        foreach (var attribute in m.Attributes)
        {
            if (attribute.Value is null && MediaDirectionExtensions.TryParse(attribute.Name, out var parsed))
            {
                direction = parsed;
            }
        }
        if (!direction.IsValidAnswerTo(slot.Direction))
        {
            error = $"{where}: answer direction {direction.ToSdpName()} is not allowed for an offered {slot.Direction.ToSdpName()} (RFC 3264 §6.1)";
            return false;
        }

        if (!TryNegotiateCodecs(m, slot, where, direction, out var codecs, out error) ||
            !TryNegotiateExtensions(m, slot, where, out var extensions, out error))
        {
            return false;
        }

        List<RemoteSendStream> streams = [];
        List<string> rids = [];
        string? streamId = null;
        string? trackId = null;
        if (direction.Sends())
        {
            if (!TryReadRemoteStreams(m, where, out streams, out error) || !TryReadRids(m, where, out rids, out error))
            {
                return false;
            }
            if (m.Find("msid") is { Value: { } msid })
            {
                var parts = msid.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                streamId = parts.Length > 0 ? parts[0] : null;
                trackId = parts.Length > 1 ? parts[1] : null;
            }
        }

        negotiated = new NegotiatedMedia(
            slot.Mid, slot.Index, slot.Kind, slot.Purpose, slot.Direction, direction, Rejected: false,
            slot.Track, slot.LocalSsrc, slot.LocalRtxSsrc, codecs, extensions, streams, rids, streamId, trackId);
        error = "";
        return true;
    }

    private bool TryNegotiateCodecs(
        AnswerMediaView m, MediaSlot slot, string where, MediaDirection direction,
        out List<NegotiatedCodec> codecs, out string error)
    {
        codecs = [];
        var offered = SdpOfferWriter.OfferedCodecs(_options, slot);
        var answered = new List<byte>(m.Formats.Count);
        foreach (var format in m.Formats)
        {
            if (!byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out byte pt) || pt > 127)
            {
                error = $"{where}: format '{AnswerViewReader.Clip(format)}' is not an RTP payload type";
                return false;
            }
            if (!offered.Exists(c => c.PayloadType == pt || c.RtxPayloadType == pt))
            {
                error = $"{where}: payload type {pt} was not offered on this m= section";
                return false;
            }
            answered.Add(pt);
        }

        foreach (var rtpmap in m.FindAll("rtpmap"))
        {
            var value = rtpmap.Value ?? "";
            int space = value.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || !byte.TryParse(value.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out byte pt))
            {
                error = $"line {rtpmap.LineNumber}: a=rtpmap is not '<payload type> <encoding>/<clock rate>' (RFC 8866 §6.6)";
                return false;
            }
            if (!answered.Contains(pt))
            {
                continue;
            }
            var encoding = value[(space + 1)..];
            var codec = offered.Find(c => c.PayloadType == pt);
            string expected = codec is not null ? codec.RtpMap : $"rtx/{offered.Find(c => c.RtxPayloadType == pt)!.ClockRate}";
            if (!SameRtpMap(encoding, expected))
            {
                error = $"line {rtpmap.LineNumber}: payload type {pt} is '{AnswerViewReader.Clip(encoding)}', the server offered '{expected}'";
                return false;
            }
        }

        foreach (var pt in answered)
        {
            var codec = offered.Find(c => c.PayloadType == pt);
            if (codec is null)
            {
                var primary = offered.Find(c => c.RtxPayloadType == pt)!;
                if (!answered.Contains(primary.PayloadType))
                {
                    error = $"{where}: RTX payload type {pt} is answered without its codec {primary.PayloadType} (RFC 4588 §8.6)";
                    return false;
                }
                continue;
            }
            var feedback = new List<string>();
            foreach (var fb in m.FindAll("rtcp-fb"))
            {
                var value = fb.Value ?? "";
                int space = value.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && (value.AsSpan(0, space).SequenceEqual(PtText(pt)) || value.AsSpan(0, space).SequenceEqual("*")))
                {
                    var type = value[(space + 1)..];
                    if (codec.RtcpFeedback.Contains(type) && !feedback.Contains(type))
                    {
                        feedback.Add(type);
                    }
                }
            }
            string? fmtp = codec.Fmtp;
            foreach (var f in m.FindAll("fmtp"))
            {
                var value = f.Value ?? "";
                int space = value.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0 && value.AsSpan(0, space).SequenceEqual(PtText(pt)))
                {
                    fmtp = value[(space + 1)..];
                }
            }
            byte? rtx = codec.RtxPayloadType is { } r && answered.Contains(r) ? r : null;
            codecs.Add(new NegotiatedCodec(codec.PayloadType, codec.Name, codec.ClockRate, codec.Channels, fmtp, feedback, rtx));
        }
        if (codecs.Count == 0 && direction != MediaDirection.Inactive)
        {
            error = $"{where}: the answer accepts no codec on an active m= section";
            return false;
        }
        error = "";
        return true;

        static string PtText(byte pt) => pt.ToString(CultureInfo.InvariantCulture);
    }

    private static bool SameRtpMap(string answered, string offered)
    {
        // Encoding names are case-insensitive (RFC 8866 §6.6); a missing channel count means 1 for audio.
        if (string.Equals(answered, offered, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        return offered.EndsWith("/1", StringComparison.Ordinal) &&
            string.Equals(answered, offered[..^2], StringComparison.OrdinalIgnoreCase);
    }

    private bool TryNegotiateExtensions(
        AnswerMediaView m, MediaSlot slot, string where, out List<NegotiatedHeaderExtension> extensions, out string error)
    {
        extensions = [];
        foreach (var extmap in m.FindAll("extmap"))
        {
            // a=extmap:<value>["/"<direction>] <URI> <extensionattributes> (RFC 8285 §8).
            var value = extmap.Value ?? "";
            var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var idText = parts.Length > 0 ? parts[0] : "";
            int slash = idText.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                idText = idText[..slash];
            }
            if (parts.Length < 2 || !byte.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out byte id))
            {
                error = $"line {extmap.LineNumber}: a=extmap is not '<id> <uri>' (RFC 8285 §8)";
                return false;
            }
            var spec = _options.HeaderExtensions.FirstOrDefault(e => e.Id == id && e.AppliesTo(slot.Kind));
            if (spec is null || spec.Uri != parts[1])
            {
                error = $"{where}: header extension {id} '{AnswerViewReader.Clip(parts[1])}' was not offered with that id (RFC 8285 §5)";
                return false;
            }
            if (!extensions.Exists(e => e.Id == id))
            {
                extensions.Add(new NegotiatedHeaderExtension(id, spec.Uri));
            }
        }
        error = "";
        return true;
    }
}
