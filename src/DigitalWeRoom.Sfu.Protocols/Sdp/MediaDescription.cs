namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// One media section (RFC 8866 §5.14 <c>m=</c> and the lines after it): RTP audio/video
/// (RFC 8829 §5.2) or the data channel's SCTP section (RFC 8841). Typed properties hold the
/// attributes WebRTC needs; the rest stay, in order, in <see cref="OtherAttributes"/>.
/// Codec, extension, RID and SSRC views are extension members in <see cref="MediaDescriptionViews"/>.
/// </summary>
public sealed class MediaDescription
{
    /// <summary>audio, video, application, ...</summary>
    public string Kind { get; set; } = "audio";

    /// <summary>9 in JSEP (the "discard" port) for bundled sections; 0 rejects the section.</summary>
    public int Port { get; set; } = 9;

    /// <summary>The optional <c>/number</c> after the port.</summary>
    public int? PortCount { get; set; }

    /// <summary>UDP/TLS/RTP/SAVPF for media, UDP/DTLS/SCTP for data (RFC 8829 §5.1.2).</summary>
    public string Protocol { get; set; } = "UDP/TLS/RTP/SAVPF";

    /// <summary>Payload types for RTP, "webrtc-datachannel" for SCTP.</summary>
    public List<string> Formats { get; } = [];

    public SdpConnection? Connection { get; set; }

    public List<SdpBandwidth> Bandwidths { get; } = [];

    public SdpRtcp? Rtcp { get; set; }

    public List<SdpCandidate> Candidates { get; } = [];

    /// <summary><c>a=end-of-candidates</c> (RFC 8840 §8.2).</summary>
    public bool EndOfCandidates { get; set; }

    public string? IceUfrag { get; set; }

    public string? IcePwd { get; set; }

    public List<string> IceOptions { get; } = [];

    public List<SdpFingerprint> Fingerprints { get; } = [];

    public SdpSetup? Setup { get; set; }

    /// <summary><c>a=mid</c> (RFC 5888 §4).</summary>
    public string? Mid { get; set; }

    public List<SdpExtmap> Extmaps { get; } = [];

    public SdpDirection? Direction { get; set; }

    public List<SdpMsid> Msids { get; } = [];

    /// <summary><c>a=rtcp-mux</c> (RFC 5761 §5.1.1).</summary>
    public bool RtcpMux { get; set; }

    /// <summary><c>a=rtcp-mux-only</c> (RFC 8858).</summary>
    public bool RtcpMuxOnly { get; set; }

    /// <summary><c>a=rtcp-rsize</c> (RFC 5506 §5): reduced-size RTCP allowed.</summary>
    public bool RtcpReducedSize { get; set; }

    /// <summary>Media-level <c>a=extmap-allow-mixed</c> (RFC 8285 §6).</summary>
    public bool ExtmapAllowMixed { get; set; }

    public List<SdpRtpMap> RtpMaps { get; } = [];

    public List<SdpRtcpFeedback> RtcpFeedbacks { get; } = [];

    public List<SdpFmtp> Fmtps { get; } = [];

    public List<SdpSsrcGroup> SsrcGroups { get; } = [];

    public List<SdpSsrc> Ssrcs { get; } = [];

    public List<SdpRid> Rids { get; } = [];

    public SdpSimulcast? Simulcast { get; set; }

    /// <summary><c>a=sctp-port</c> (RFC 8841 §5).</summary>
    public int? SctpPort { get; set; }

    /// <summary><c>a=max-message-size</c> (RFC 8841 §6).</summary>
    public ulong? MaxMessageSize { get; set; }

    public List<SdpAttribute> OtherAttributes { get; } = [];

    /// <summary>Other media-level lines (i=, k=) in order.</summary>
    public List<SdpLine> OtherLines { get; } = [];
}
