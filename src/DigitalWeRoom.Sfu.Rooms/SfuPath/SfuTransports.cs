using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>How a session's negotiation turns into its <see cref="WebRtcTransport"/>, and what a transport state means to the room.</summary>
internal static class SfuTransports
{
    /// <summary>
    /// The participant's transport on the room's shared endpoint for an accepted answer: our DTLS role (RFC 5763 §5),
    /// the certificate fingerprint it must present (RFC 8122 §5) and its ICE credentials (RFC 8839 §5.4).
    /// </summary>
    public static WebRtcTransport Create(UdpEndpoint endpoint, NegotiationResult result, IceCredentials localIce)
    {
        var fingerprintText = $"{result.RemoteFingerprint.HashFunction} {result.RemoteFingerprint.FormatValue()}";
        if (!CertificateFingerprint.TryParse(fingerprintText, out var fingerprint))
        {
            throw new ArgumentException("unusable remote fingerprint " + fingerprintText);
        }

        return endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = result.LocalDtlsRole,
            RemoteFingerprint = fingerprint!,
            RemoteIceUfrag = result.RemoteIceUfrag,
            RemoteIcePassword = result.RemoteIcePwd,
            LocalIceCredentials = localIce,
        });
    }

    /// <summary>The session state the room sees: a failure without a DTLS reason is an expired consent (RFC 7675 §5.1).</summary>
    public static SfuSessionState StateOf(WebRtcTransport transport, WebRtcTransportState state) => state switch
    {
        WebRtcTransportState.Connected => SfuSessionState.Connected,
        WebRtcTransportState.Failed when transport.DtlsFailure == DtlsFailure.None => SfuSessionState.ConsentExpired,
        WebRtcTransportState.Failed => SfuSessionState.Failed,
        WebRtcTransportState.Closed => SfuSessionState.Closed,
        _ => SfuSessionState.New,
    };
}
