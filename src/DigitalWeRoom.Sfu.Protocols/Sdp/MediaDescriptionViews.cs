namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// Views over a media section's codec, extension, RID and SSRC attributes (RFC 8829 §5.2.1, RFC 4588, RFC 8285,
/// RFC 8853, RFC 5576): computed from <see cref="MediaDescription"/>'s properties, with no state of their own.
/// </summary>
public static class MediaDescriptionViews
{
    extension(MediaDescription media)
    {
        public bool IsRtp => media.Protocol.Contains("RTP", StringComparison.Ordinal);

        public bool IsDataChannel => media.Kind == "application" && media.Protocol.Contains("SCTP", StringComparison.Ordinal);

        /// <summary>
        /// The codecs in m-line order (preference order, RFC 8829 §5.2.1): each payload type with its
        /// rtpmap, fmtp and rtcp-fb lines (including <c>rtcp-fb:*</c>). Formats without an rtpmap are skipped.
        /// </summary>
        public IReadOnlyList<SdpCodec> GetCodecs()
        {
            var codecs = new List<SdpCodec>(media.Formats.Count);
            foreach (string format in media.Formats)
            {
                if (!SdpNumbers.TryParseInt(format, out int pt) || media.FindRtpMap(pt) is not SdpRtpMap map)
                {
                    continue;
                }
                codecs.Add(new SdpCodec(pt, map.EncodingName, map.ClockRate, map.Channels, media.FindFmtp(pt),
                    media.RtcpFeedbacks.Where(fb => fb.PayloadType is null || fb.PayloadType == pt).ToList()));
            }
            return codecs;
        }

        /// <summary>The first codec with this encoding name (case-insensitive), e.g. "opus", "VP8".</summary>
        public SdpCodec? FindCodec(string encodingName) =>
            media.GetCodecs().FirstOrDefault(c => string.Equals(c.Name, encodingName, StringComparison.OrdinalIgnoreCase));

        public SdpCodec? FindCodec(int payloadType) => media.GetCodecs().FirstOrDefault(c => c.PayloadType == payloadType);

        /// <summary>The RTX payload type whose <c>apt=</c> points at <paramref name="payloadType"/> (RFC 4588 §8.6).</summary>
        public int? FindRtxFor(int payloadType) =>
            media.GetCodecs().FirstOrDefault(c => c.IsRtx && c.AssociatedPayloadType == payloadType)?.PayloadType;

        public SdpRtpMap? FindRtpMap(int payloadType) => media.RtpMaps.FirstOrDefault(r => r.PayloadType == payloadType);

        public SdpFmtp? FindFmtp(int payloadType) => media.Fmtps.FirstOrDefault(f => f.PayloadType == payloadType);

        /// <summary>The id negotiated for a header extension URI (RFC 8285), or null.</summary>
        public int? FindExtmapId(string uri) => media.Extmaps.FirstOrDefault(e => e.Uri == uri)?.Id;

        /// <summary>RIDs in the send direction, in the simulcast order when present.</summary>
        public IReadOnlyList<SdpRid> SendRids
        {
            get
            {
                var send = media.Rids.Where(r => r.Direction == SdpRidDirection.Send).ToList();
                if (media.Simulcast is null || media.Simulcast.Send.Count == 0)
                {
                    return send;
                }
                var ordered = new List<SdpRid>(send.Count);
                foreach (string rid in media.Simulcast.SendRids)
                {
                    if (send.FirstOrDefault(r => r.Id == rid) is SdpRid match)
                    {
                        ordered.Add(match);
                    }
                }
                return ordered;
            }
        }

        /// <summary>All SSRCs named in <c>a=ssrc</c> lines, in first-seen order.</summary>
        public IReadOnlyList<uint> SsrcIds => media.Ssrcs.Select(s => s.Ssrc).Distinct().ToList();

        /// <summary>The value of one source attribute, e.g. <c>("cname")</c> for an SSRC.</summary>
        public string? FindSsrcAttribute(uint ssrc, string attribute) =>
            media.Ssrcs.FirstOrDefault(s => s.Ssrc == ssrc && s.Attribute == attribute)?.Value;

        /// <summary>(media, rtx) pairs from <c>a=ssrc-group:FID</c> (RFC 5576 §4.2, RFC 4588).</summary>
        public IEnumerable<(uint Media, uint Rtx)> RtxSsrcPairs =>
            media.SsrcGroups.Where(g => g.Semantics == "FID" && g.Ssrcs.Count == 2).Select(g => (g.Ssrcs[0], g.Ssrcs[1]));
    }
}
