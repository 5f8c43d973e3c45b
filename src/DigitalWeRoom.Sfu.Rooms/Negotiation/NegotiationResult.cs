using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// What an accepted answer tells the server: the peer's ICE and DTLS parameters and, per m= section, what
/// was agreed. The media Router creates Producers from the publish sections the client sends on and
/// Consumers from the subscribe sections the client receives on.
/// </summary>
public sealed record NegotiationResult(
    string RemoteIceUfrag,
    string RemoteIcePwd,
    SdpFingerprint RemoteFingerprint,
    DtlsRole LocalDtlsRole,
    IReadOnlyList<NegotiatedMedia> Media);

/// <summary>One m= section after the answer, in m-line order.</summary>
/// <param name="Mid">The section's mid (unchanged across renegotiations).</param>
/// <param name="Index">Position of the m= line (0-based).</param>
/// <param name="OfferedDirection">Direction the server offered (server's point of view).</param>
/// <param name="AnswerDirection">Direction the client answered (client's point of view); a rejected section is inactive.</param>
/// <param name="Rejected">The client answered port 0: the section is stopped for good (JSEP §5.3.1).</param>
/// <param name="Track">For subscribe sections: the subscription carried, or null when the section is idle.</param>
/// <param name="LocalSsrc">For subscribe sections: the SSRC the server sends with (0 if idle).</param>
/// <param name="LocalRtxSsrc">For subscribe video sections with RTX: the server's RTX SSRC, else 0.</param>
/// <param name="Codecs">Accepted codecs (server payload types), in the answer's preference order.</param>
/// <param name="HeaderExtensions">Accepted header extensions (server ids).</param>
/// <param name="RemoteStreams">For sections the client sends on: the SSRCs it announced (a=ssrc, ssrc-group:FID).</param>
/// <param name="RemoteRids">For sections the client sends on with RIDs (RFC 8851): the rids it will send.</param>
/// <param name="RemoteStreamId">The client's a=msid stream id, if any.</param>
/// <param name="RemoteTrackId">The client's a=msid track id, if any.</param>
public sealed record NegotiatedMedia(
    string Mid,
    int Index,
    MediaKind Kind,
    SlotPurpose Purpose,
    SdpDirection OfferedDirection,
    SdpDirection AnswerDirection,
    bool Rejected,
    SubscribedTrack? Track,
    uint LocalSsrc,
    uint LocalRtxSsrc,
    IReadOnlyList<NegotiatedCodec> Codecs,
    IReadOnlyList<NegotiatedHeaderExtension> HeaderExtensions,
    IReadOnlyList<RemoteSendStream> RemoteStreams,
    IReadOnlyList<string> RemoteRids,
    string? RemoteStreamId,
    string? RemoteTrackId)
{
    /// <summary>The client sends media on this section (a publish section it answered sendonly).</summary>
    public bool ClientSends => !Rejected && AnswerDirection.Sends();

    /// <summary>The client receives media on this section (a subscribe section it answered recvonly).</summary>
    public bool ClientReceives => !Rejected && AnswerDirection.Receives();

    /// <summary>The extension id the server uses for <paramref name="uri"/> here, or 0 if not accepted.</summary>
    public byte HeaderExtensionId(string uri)
    {
        foreach (var extension in HeaderExtensions)
        {
            if (extension.Uri == uri)
            {
                return extension.Id;
            }
        }
        return 0;
    }

    /// <summary>Whether an accepted codec carries generic NACK feedback (<c>a=rtcp-fb:PT nack</c>, RFC 4585 §4.2).</summary>
    public bool NegotiatedNack => Codecs.Any(c => c.RtcpFeedback.Contains("nack", StringComparer.OrdinalIgnoreCase));

    /// <summary>Negotiated RTX payload types (RFC 4588 §8.6 apt) as (RTX, media) pairs, or (media, RTX) pairs.</summary>
    public (byte, byte)[] RtxPayloadTypePairs(bool rtxFirst) =>
        [.. Codecs.Where(c => c.RtxPayloadType is not null)
            .Select(c => rtxFirst ? (c.RtxPayloadType!.Value, c.PayloadType) : (c.PayloadType, c.RtxPayloadType!.Value))];
}

/// <summary>An accepted codec: the server's payload type, its RTX payload type if RTX was accepted too.</summary>
public sealed record NegotiatedCodec(
    byte PayloadType,
    string Name,
    int ClockRate,
    int Channels,
    string? Fmtp,
    IReadOnlyList<string> RtcpFeedback,
    byte? RtxPayloadType);

public sealed record NegotiatedHeaderExtension(byte Id, string Uri);

/// <summary>
/// One RTP stream the client announced: its SSRC, the RTX SSRC paired by <c>a=ssrc-group:FID</c>
/// (RFC 5576 §4.2, RFC 4588 §8.7) and its CNAME (RFC 5576 §6.1).
/// </summary>
public sealed record RemoteSendStream(uint Ssrc, uint? RtxSsrc, string? Cname);
