using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>What a transport needs from signaling (the peer's SDP) and its owner.</summary>
public sealed class WebRtcTransportOptions
{
    /// <summary>Server (we answer a=setup:passive to a browser's actpass) or Client (active).</summary>
    public DtlsRole DtlsRole { get; init; } = DtlsRole.Server;

    /// <summary>The peer's a=fingerprint; its DTLS certificate must hash to it.</summary>
    public required CertificateFingerprint RemoteFingerprint { get; init; }

    /// <summary>The peer's a=ice-ufrag; when set, checks must name it as the second USERNAME part.</summary>
    public string? RemoteIceUfrag { get; init; }

    /// <summary>The peer's a=ice-pwd (needed by a controlling agent to sign its checks).</summary>
    public string? RemoteIcePassword { get; init; }

    /// <summary>Our credentials; generated when null.</summary>
    public IceCredentials? LocalIceCredentials { get; init; }

    /// <summary>
    /// Who hears packets and state changes. Null: nobody yet; the media side attaches itself with
    /// <see cref="WebRtcTransport.Listener"/> once it exists (it needs the transport to send through).
    /// </summary>
    public IWebRtcTransportListener? Listener { get; init; }
}
