using System.Text;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Writes the server's offer (JSEP, RFC 8829 §5.2) for the slots of one connection: ICE-lite (RFC 8839
/// §5.3), one BUNDLE group of every live mid (RFC 8843 §7.2), rtcp-mux (RFC 5761 §5.1.3) and rtcp-rsize
/// (RFC 5506 §5), <c>setup:actpass</c> (RFC 8842 §5.2), the server's fixed codecs and extension ids.
/// Subscribe sections carry the publisher's msid (RFC 8830) and the server's SSRCs (RFC 5576 §4.1).
/// </summary>
internal static class SdpOfferWriter
{
    public const string Protocol = "UDP/TLS/RTP/SAVPF";

    public static string Write(
        NegotiationOptions options,
        LocalTransportParameters local,
        ulong sessionId,
        ulong version,
        IReadOnlyList<MediaSlot> slots)
    {
        var sdp = new StringBuilder(1024 + (slots.Count * 1024));
        Line(sdp, "v=0");
        Line(sdp, $"o=- {sessionId} {version} IN IP4 0.0.0.0");
        Line(sdp, "s=-");
        Line(sdp, "t=0 0");
        Line(sdp, "a=ice-lite");
        var bundled = slots.Where(s => !s.Rejected).Select(s => s.Mid).ToList();
        if (bundled.Count > 0)
        {
            Line(sdp, "a=group:BUNDLE " + string.Join(' ', bundled));
        }
        Line(sdp, "a=msid-semantic: WMS *");

        foreach (var slot in slots)
        {
            var codecs = OfferedCodecs(options, slot);
            var payloadTypes = new List<byte>();
            foreach (var codec in codecs)
            {
                payloadTypes.Add(codec.PayloadType);
                if (codec.RtxPayloadType is { } rtx)
                {
                    payloadTypes.Add(rtx);
                }
            }
            string kind = slot.Kind.ToSdpName();
            if (slot.Rejected)
            {
                // A rejected section stays in place with port 0 (RFC 8829 §5.2.2, RFC 3264 §8.2).
                Line(sdp, $"m={kind} 0 {Protocol} {payloadTypes[0]}");
                Line(sdp, "c=IN IP4 0.0.0.0");
                Line(sdp, "a=mid:" + slot.Mid);
                Line(sdp, "a=inactive");
                continue;
            }

            Line(sdp, $"m={kind} 9 {Protocol} {string.Join(' ', payloadTypes)}");
            Line(sdp, "c=IN IP4 0.0.0.0");
            Line(sdp, "a=ice-ufrag:" + local.IceUfrag);
            Line(sdp, "a=ice-pwd:" + local.IcePwd);
            Line(sdp, "a=fingerprint:" + local.Fingerprint);
            Line(sdp, "a=setup:actpass");
            Line(sdp, "a=mid:" + slot.Mid);
            foreach (var extension in options.HeaderExtensions)
            {
                if (extension.AppliesTo(slot.Kind))
                {
                    Line(sdp, $"a=extmap:{extension.Id} {extension.Uri}");
                }
            }
            Line(sdp, "a=" + slot.Direction.ToSdpName());
            if (slot.Track is { } track)
            {
                Line(sdp, $"a=msid:{track.StreamId} {track.MsidTrackId}");
            }
            Line(sdp, "a=rtcp-mux");
            Line(sdp, "a=rtcp-rsize");
            foreach (var codec in codecs)
            {
                WriteCodec(sdp, codec);
            }
            if (slot.Purpose == SlotPurpose.PublishVideo && options.CameraSimulcastRids.Count > 0)
            {
                // The server receives simulcast: it offers the rids as recv (RFC 8851 §4, RFC 8853 §5.1).
                foreach (var rid in options.CameraSimulcastRids)
                {
                    Line(sdp, $"a=rid:{rid} recv");
                }
                Line(sdp, "a=simulcast:recv " + string.Join(';', options.CameraSimulcastRids));
            }
            if (slot.Track is { } sent && slot.LocalSsrc != 0)
            {
                WriteSsrcs(sdp, sent, slot.LocalSsrc, slot.LocalRtxSsrc);
            }
            foreach (var candidate in local.Candidates)
            {
                Line(sdp, "a=" + LocalTransportParameters.NormalizeCandidate(candidate));
            }
            Line(sdp, "a=end-of-candidates");
        }
        return sdp.ToString();
    }

    /// <summary>The codecs offered on a slot: every configured codec of its kind, or the subscription's subset.</summary>
    public static List<CodecSpec> OfferedCodecs(NegotiationOptions options, MediaSlot slot)
    {
        var list = new List<CodecSpec>();
        foreach (var codec in options.Codecs)
        {
            if (codec.Kind == slot.Kind &&
                (slot.Track?.PayloadTypes is not { } only || only.Contains(codec.PayloadType)))
            {
                list.Add(codec);
            }
        }
        return list;
    }

    private static void WriteCodec(StringBuilder sdp, CodecSpec codec)
    {
        Line(sdp, $"a=rtpmap:{codec.PayloadType} {codec.RtpMap}");
        foreach (var feedback in codec.RtcpFeedback)
        {
            Line(sdp, $"a=rtcp-fb:{codec.PayloadType} {feedback}");
        }
        if (codec.Fmtp is not null)
        {
            Line(sdp, $"a=fmtp:{codec.PayloadType} {codec.Fmtp}");
        }
        if (codec.RtxPayloadType is { } rtx)
        {
            Line(sdp, $"a=rtpmap:{rtx} rtx/{codec.ClockRate}");
            Line(sdp, $"a=fmtp:{rtx} apt={codec.PayloadType}");
        }
    }

    private static void WriteSsrcs(StringBuilder sdp, SubscribedTrack track, uint ssrc, uint rtxSsrc)
    {
        if (rtxSsrc != 0)
        {
            Line(sdp, $"a=ssrc-group:FID {ssrc} {rtxSsrc}");
        }
        Line(sdp, $"a=ssrc:{ssrc} cname:{track.Cname}");
        Line(sdp, $"a=ssrc:{ssrc} msid:{track.StreamId} {track.MsidTrackId}");
        if (rtxSsrc != 0)
        {
            Line(sdp, $"a=ssrc:{rtxSsrc} cname:{track.Cname}");
            Line(sdp, $"a=ssrc:{rtxSsrc} msid:{track.StreamId} {track.MsidTrackId}");
        }
    }

    private static void Line(StringBuilder sdp, string line) => sdp.Append(line).Append("\r\n");
}
