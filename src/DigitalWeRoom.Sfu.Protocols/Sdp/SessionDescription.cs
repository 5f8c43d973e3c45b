namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// A session description (RFC 8866 §5) as WebRTC uses it (JSEP, RFC 8829): the session-level lines
/// and attributes, then the media sections. Attributes without a typed property are kept in
/// <see cref="OtherAttributes"/> in order, so parsing and writing loses nothing that matters.
/// Built by <see cref="SdpParser"/> or by hand, written by <see cref="SdpWriter"/>.
/// </summary>
public sealed class SessionDescription
{
    /// <summary><c>v=</c>, always 0.</summary>
    public int Version { get; set; }

    public SdpOrigin Origin { get; set; } = SdpOrigin.Create(0, 0);

    /// <summary><c>s=</c>; JSEP uses "-".</summary>
    public string SessionName { get; set; } = "-";

    public SdpTiming Timing { get; set; } = new(0, 0);

    public SdpConnection? Connection { get; set; }

    public List<SdpBandwidth> Bandwidths { get; } = [];

    /// <summary><c>a=group</c> lines (RFC 5888), usually one BUNDLE group (RFC 8843).</summary>
    public List<SdpGroup> Groups { get; } = [];

    /// <summary><c>a=ice-lite</c> (RFC 8839 §5.3): set by our server in its answers.</summary>
    public bool IceLite { get; set; }

    /// <summary>Session-level ICE credentials (RFC 8839 §5.4); media sections may override.</summary>
    public string? IceUfrag { get; set; }

    public string? IcePwd { get; set; }

    public List<string> IceOptions { get; } = [];

    public List<SdpFingerprint> Fingerprints { get; } = [];

    public SdpSetup? Setup { get; set; }

    /// <summary><c>a=extmap-allow-mixed</c> (RFC 8285 §6): one- and two-byte extensions may mix.</summary>
    public bool ExtmapAllowMixed { get; set; }

    public SdpMsidSemantic? MsidSemantic { get; set; }

    /// <summary>Session-level <c>a=extmap</c> (RFC 8285 §8), which apply to every media section.</summary>
    public List<SdpExtmap> Extmaps { get; } = [];

    public List<SdpAttribute> OtherAttributes { get; } = [];

    /// <summary>Other session lines (i=, u=, e=, p=, z=, k=, extra t= and r=) in order.</summary>
    public List<SdpLine> OtherLines { get; } = [];

    public List<MediaDescription> Media { get; } = [];

    /// <summary>Mids of the first BUNDLE group, empty if none.</summary>
    public IReadOnlyList<string> BundleMids =>
        Groups.FirstOrDefault(g => g.Semantics == "BUNDLE")?.Mids ?? [];

    /// <summary>The media section with this mid, or null.</summary>
    public MediaDescription? FindByMid(string mid) => Media.FirstOrDefault(m => m.Mid == mid);

    /// <summary>ICE ufrag of a media section, falling back to the session level (RFC 8839 §5.4).</summary>
    public string? IceUfragFor(MediaDescription media) => media.IceUfrag ?? IceUfrag;

    public string? IcePwdFor(MediaDescription media) => media.IcePwd ?? IcePwd;

    /// <summary>Fingerprint of a media section, falling back to the session level (RFC 8122 §5).</summary>
    public SdpFingerprint? FingerprintFor(MediaDescription media) =>
        media.Fingerprints.Count > 0 ? media.Fingerprints[0] : Fingerprints.FirstOrDefault();

    public SdpSetup? SetupFor(MediaDescription media) => media.Setup ?? Setup;
}
