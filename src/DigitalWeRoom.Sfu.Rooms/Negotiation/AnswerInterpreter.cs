using System.Globalization;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Reads the page's answer against the slots of the outstanding offer (RFC 3264 §6, RFC 8829 §5.3): per m-section the
/// direction, the codecs (RFC 3264 §6.1: a subset of what was offered, same payload types), the header extensions
/// (RFC 8285) and the remote streams, into a <see cref="NegotiationResult"/>. Stateless over the negotiation options;
/// <see cref="SfuNegotiator"/> owns the offer/answer state.
/// </summary>
internal sealed class AnswerInterpreter(NegotiationOptions options)
{
    public bool TryInterpret(SessionDescription answer, List<MediaSlot> slots, out NegotiationResult result, out string error)
    {
        result = null!;
        if (answer.Media.Count != slots.Count)
        {
            error = $"answer has {answer.Media.Count} m= sections; the offer had {slots.Count} (RFC 3264 §6)";
            return false;
        }
        var bundles = answer.Groups.Where(g => g.Semantics == "BUNDLE").ToList();
        if (bundles.Count > 1)
        {
            error = "answer has more than one BUNDLE group; the server offers one (RFC 8843 §7.3)";
            return false;
        }
        var bundle = bundles.Count == 1 ? new HashSet<string>(bundles[0].Mids, StringComparer.Ordinal) : null;
        string? bundleTag = bundles.Count == 1 && bundles[0].Mids.Count > 0 ? bundles[0].Mids[0] : null;

        var media = new List<NegotiatedMedia>(slots.Count);
        MediaDescription? tagSection = null;
        for (int i = 0; i < slots.Count; i++)
        {
            if (!TryInterpretMedia(answer.Media[i], slots[i], bundle, out var negotiated, out error))
            {
                return false;
            }
            if (!negotiated.Rejected && negotiated.Mid == bundleTag)
            {
                tagSection = answer.Media[i];
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
        if (!AnswerReader.TryReadTransport(answer, tagSection, out var ufrag, out var pwd, out var fingerprint, out var role, out error))
        {
            return false;
        }
        result = new NegotiationResult(ufrag, pwd, fingerprint, role, media);
        return true;
    }

    private bool TryInterpretMedia(
        MediaDescription m, MediaSlot slot, HashSet<string>? bundle, out NegotiatedMedia negotiated, out string error)
    {
        negotiated = null!;
        string where = $"m= section {slot.Index} (mid {slot.Mid})";
        if (m.Kind != slot.Kind.ToSdpName())
        {
            error = $"{where}: media is '{SdpToken.Clip(m.Kind)}', the offer had '{slot.Kind.ToSdpName()}'";
            return false;
        }
        bool rejected = m.Port == 0;
        if (m.Mid is { } mid && mid != slot.Mid)
        {
            error = $"{where}: mid is '{SdpToken.Clip(mid)}', expected '{slot.Mid}' (m= sections must keep the offer's order, RFC 3264 §6)";
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
                slot.Mid, slot.Index, slot.Kind, slot.Purpose, slot.Direction, SdpDirection.Inactive, Rejected: true,
                null, 0, 0, [], [], [], [], null, null);
            return true;
        }
        if (m.Mid is null)
        {
            error = $"{where}: accepted m= section has no a=mid (RFC 8843 §9.2)";
            return false;
        }
        if (m.Protocol != SdpOfferWriter.Protocol)
        {
            error = $"{where}: protocol is '{SdpToken.Clip(m.Protocol)}', the offer had {SdpOfferWriter.Protocol}";
            return false;
        }
        if (bundle is null || !bundle.Contains(slot.Mid))
        {
            error = $"{where}: the answer does not put mid {slot.Mid} in a BUNDLE group; the server only supports one bundled transport (RFC 8843)";
            return false;
        }
        if (!m.RtcpMux)
        {
            error = $"{where}: missing a=rtcp-mux; the server requires RTP/RTCP multiplexing (RFC 5761 §5.1.3)";
            return false;
        }
        var direction = m.Direction ?? SdpDirection.SendRecv;
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
            if (!AnswerReader.TryReadRemoteStreams(m, where, options.MaxSsrcsPerMediaSection, out streams, out error) || !AnswerReader.TryReadRids(m, where, out rids, out error))
            {
                return false;
            }
            if (m.Msids.Count > 0)
            {
                streamId = m.Msids[0].StreamId;
                trackId = m.Msids[0].TrackId;
            }
        }

        negotiated = new NegotiatedMedia(
            slot.Mid, slot.Index, slot.Kind, slot.Purpose, slot.Direction, direction, Rejected: false,
            slot.Track, slot.LocalSsrc, slot.LocalRtxSsrc, codecs, extensions, streams, rids, streamId, trackId);
        error = "";
        return true;
    }

    private bool TryNegotiateCodecs(
        MediaDescription m, MediaSlot slot, string where, SdpDirection direction,
        out List<NegotiatedCodec> codecs, out string error)
    {
        codecs = [];
        var offered = SdpOfferWriter.OfferedCodecs(options, slot);
        var answered = new List<byte>(m.Formats.Count);
        foreach (var format in m.Formats)
        {
            if (!byte.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out byte pt) || pt > 127)
            {
                error = $"{where}: format '{SdpToken.Clip(format)}' is not an RTP payload type";
                return false;
            }
            var primary = offered.Find(c => c.PayloadType == pt);
            var repaired = offered.Find(c => c.RtxPayloadType == pt);
            if (primary is null && repaired is null)
            {
                error = $"{where}: payload type {pt} was not offered on this m= section";
                return false;
            }
            if (m.FindRtpMap(pt) is { } map)
            {
                // Encoding names are case-insensitive (RFC 8866 §6.6); no channel count means 1.
                string name = primary?.Name ?? "rtx";
                int clock = primary?.ClockRate ?? repaired!.ClockRate;
                int channels = Math.Max(primary?.Channels ?? 1, 1);
                if (!string.Equals(map.EncodingName, name, StringComparison.OrdinalIgnoreCase) ||
                    map.ClockRate != clock || (map.Channels ?? 1) != channels)
                {
                    string offeredMap = primary?.RtpMap ?? $"rtx/{clock}";
                    error = $"{where}: payload type {pt} is '{SdpToken.Clip(map.EncodingName)}/{map.ClockRate}', the server offered '{offeredMap}'";
                    return false;
                }
            }
            answered.Add(pt);
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
            foreach (var fb in m.RtcpFeedbacks)
            {
                if (fb.PayloadType is null || fb.PayloadType == pt)
                {
                    var type = fb.Subtype is null ? fb.Type : fb.Type + " " + fb.Subtype;
                    if (codec.RtcpFeedback.Contains(type) && !feedback.Contains(type))
                    {
                        feedback.Add(type);
                    }
                }
            }
            string? fmtp = m.FindFmtp(pt)?.Parameters ?? codec.Fmtp;
            byte? rtx = codec.RtxPayloadType is { } r && answered.Contains(r) ? r : null;
            codecs.Add(new NegotiatedCodec(codec.PayloadType, codec.Name, codec.ClockRate, codec.Channels, fmtp, feedback, rtx));
        }
        if (codecs.Count == 0 && direction != SdpDirection.Inactive)
        {
            error = $"{where}: the answer accepts no codec on an active m= section";
            return false;
        }
        error = "";
        return true;
    }

    private bool TryNegotiateExtensions(
        MediaDescription m, MediaSlot slot, string where, out List<NegotiatedHeaderExtension> extensions, out string error)
    {
        extensions = [];
        foreach (var extmap in m.Extmaps)
        {
            // The answer may only accept ids the offer made, with the same URI (RFC 8285 §5, §8).
            var spec = options.HeaderExtensions.FirstOrDefault(e => e.Id == extmap.Id && e.AppliesTo(slot.Kind));
            if (spec is null || spec.Uri != extmap.Uri)
            {
                error = $"{where}: header extension {extmap.Id} '{SdpToken.Clip(extmap.Uri)}' was not offered with that id (RFC 8285 §5)";
                return false;
            }
            if (!extensions.Exists(e => e.Id == spec.Id))
            {
                extensions.Add(new NegotiatedHeaderExtension(spec.Id, spec.Uri));
            }
        }
        error = "";
        return true;
    }
}
