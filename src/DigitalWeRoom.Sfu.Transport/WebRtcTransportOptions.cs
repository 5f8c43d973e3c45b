using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>Lifecycle of a <see cref="WebRtcTransport"/>.</summary>
internal enum WebRtcTransportState : byte
{
    /// <summary>Created; no valid ICE check yet.</summary>
    New = 0,

    /// <summary>A tuple is validated by ICE; DTLS is handshaking.</summary>
    Checking = 1,

    /// <summary>DTLS done, SRTP keys derived: media flows.</summary>
    Connected = 2,

    /// <summary>DTLS failed (timeout, fingerprint mismatch, alert) or consent expired. Terminal.</summary>
    Failed = 3,

    /// <summary>Closed locally or by the peer (close_notify). Terminal.</summary>
    Closed = 4,
}

/// <summary>
/// Upward calls of a transport, all made on the endpoint's receive thread except
/// <see cref="OnStateChanged"/>, which may also come from the DTLS or consent-timer thread.
/// Packets are valid only during the call; <see cref="PooledPacket.AddRef"/> to keep one.
/// </summary>
internal interface IWebRtcTransportListener
{
    void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state);

    /// <summary>An authenticated RTP packet, decrypted in place (<see cref="PooledPacket.Span"/> is plain RTP).</summary>
    void OnRtp(WebRtcTransport transport, PooledPacket packet);

    /// <summary>An authenticated RTCP compound packet, decrypted in place.</summary>
    void OnRtcp(WebRtcTransport transport, PooledPacket packet);
}

/// <summary>What a transport needs from signaling (the peer's SDP) and its owner.</summary>
internal sealed class WebRtcTransportOptions
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

    public required IWebRtcTransportListener Listener { get; init; }
}
