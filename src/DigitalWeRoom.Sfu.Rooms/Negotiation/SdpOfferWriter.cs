using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Builds the server's offer (JSEP, RFC 8829 §5.2) for the slots of one connection as a
/// <see cref="SessionDescription"/>: ICE-lite (RFC 8839 §5.3), one BUNDLE group of every live mid
/// (RFC 8843 §7.2), rtcp-mux (RFC 5761 §5.1.3) and rtcp-rsize (RFC 5506 §5), <c>setup:actpass</c>
/// (RFC 8842 §5.2), the server's fixed codecs and extension ids. Subscribe sections carry the publisher's
/// msid (RFC 8830) and the server's SSRCs (RFC 5576 §4.1). <see cref="SdpWriter"/> writes the text.
/// </summary>
internal static class SdpOfferWriter
{
    public const string Protocol = "UDP/TLS/RTP/SAVPF";

    public static string Write(
        NegotiationOptions options, LocalTransport local, ulong sessionId, ulong version, IReadOnlyList<MediaSlot> slots) =>
        SdpWriter.Write(Build(options, local, sessionId, version, slots));

    public static SessionDescription Build(
        NegotiationOptions options, LocalTransport local, ulong sessionId, ulong version, IReadOnlyList<MediaSlot> slots)
    {
        var sdp = new SessionDescription
        {
            Origin = new SdpOrigin("-", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                version.ToString(System.Globalization.CultureInfo.InvariantCulture), "IN", "IP4", "0.0.0.0"),
            IceLite = true,
            MsidSemantic = new SdpMsidSemantic("WMS", ["*"]),
        };
        var bundled = slots.Where(s => !s.Rejected).Select(s => s.Mid).ToList();
        if (bundled.Count > 0)
        {
            sdp.Groups.Add(new SdpGroup("BUNDLE", bundled));
        }

        foreach (var slot in slots)
        {
            var codecs = OfferedCodecs(options, slot);
            var media = new MediaDescription
            {
                Kind = slot.Kind.ToSdpName(),
                Protocol = Protocol,
                Connection = SdpConnection.Unspecified,
                Mid = slot.Mid,
            };
            foreach (var codec in codecs)
            {
                media.Formats.Add(Format(codec.PayloadType));
                if (codec.RtxPayloadType is { } rtx)
                {
                    media.Formats.Add(Format(rtx));
                }
            }
            sdp.Media.Add(media);
            if (slot.Rejected)
            {
                // A rejected section stays in place with port 0 (RFC 8829 §5.2.2, RFC 3264 §8.2).
                media.Port = 0;
                media.Formats.RemoveRange(1, media.Formats.Count - 1);
                media.Direction = SdpDirection.Inactive;
                continue;
            }

            media.Port = 9;
            media.IceUfrag = local.Parameters.IceUfrag;
            media.IcePwd = local.Parameters.IcePwd;
            media.Fingerprints.Add(local.Fingerprint);
            media.Setup = SdpSetup.ActPass;
            media.Candidates.AddRange(local.Candidates);
            media.EndOfCandidates = true;
            foreach (var extension in options.HeaderExtensions)
            {
                if (extension.AppliesTo(slot.Kind))
                {
                    media.Extmaps.Add(new SdpExtmap(extension.Id, null, extension.Uri, null));
                }
            }
            media.Direction = slot.Direction;
            media.RtcpMux = true;
            media.RtcpReducedSize = true;
            foreach (var codec in codecs)
            {
                AddCodec(media, codec);
            }
            if (slot.Purpose == SlotPurpose.PublishVideo && options.CameraSimulcastRids.Count > 0)
            {
                // The server receives simulcast: it offers the rids as recv (RFC 8851 §4, RFC 8853 §5.1).
                foreach (var rid in options.CameraSimulcastRids)
                {
                    media.Rids.Add(new SdpRid(rid, SdpRidDirection.Recv, null));
                }
                media.Simulcast = new SdpSimulcast([], [.. options.CameraSimulcastRids.Select(r => (IReadOnlyList<SdpSimulcastId>)[new SdpSimulcastId(r, false)])]);
            }
            if (slot.Track is { } track && slot.LocalSsrc != 0)
            {
                media.Msids.Add(new SdpMsid(track.StreamId, track.MsidTrackId));
                AddSsrcs(media, track, slot.LocalSsrc, slot.LocalRtxSsrc);
            }
        }
        return sdp;
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

    private static void AddCodec(MediaDescription media, CodecSpec codec)
    {
        media.RtpMaps.Add(new SdpRtpMap(codec.PayloadType, codec.Name, codec.ClockRate, codec.Channels > 1 ? codec.Channels : null));
        foreach (var feedback in codec.RtcpFeedback)
        {
            int space = feedback.IndexOf(' ', StringComparison.Ordinal);
            media.RtcpFeedbacks.Add(space < 0
                ? new SdpRtcpFeedback(codec.PayloadType, feedback, null)
                : new SdpRtcpFeedback(codec.PayloadType, feedback[..space], feedback[(space + 1)..]));
        }
        if (codec.Fmtp is not null)
        {
            media.Fmtps.Add(new SdpFmtp(codec.PayloadType, codec.Fmtp));
        }
        if (codec.RtxPayloadType is { } rtx)
        {
            // RFC 4588 §8.6: rtx/clock with apt= naming the repaired payload type.
            media.RtpMaps.Add(new SdpRtpMap(rtx, "rtx", codec.ClockRate, null));
            media.Fmtps.Add(new SdpFmtp(rtx, "apt=" + Format(codec.PayloadType)));
        }
    }

    private static void AddSsrcs(MediaDescription media, SubscribedTrack track, uint ssrc, uint rtxSsrc)
    {
        string msid = track.StreamId + " " + track.MsidTrackId;
        if (rtxSsrc != 0)
        {
            media.SsrcGroups.Add(new SdpSsrcGroup("FID", [ssrc, rtxSsrc]));
        }
        media.Ssrcs.Add(new SdpSsrc(ssrc, "cname", track.Cname));
        media.Ssrcs.Add(new SdpSsrc(ssrc, "msid", msid));
        if (rtxSsrc != 0)
        {
            media.Ssrcs.Add(new SdpSsrc(rtxSsrc, "cname", track.Cname));
            media.Ssrcs.Add(new SdpSsrc(rtxSsrc, "msid", msid));
        }
    }

    private static string Format(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
