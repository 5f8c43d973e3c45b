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

    /// <summary>
    /// Most SSRCs of the peer's SRTP/SRTCP this transport tracks (RFC 3711 §3.2.3 state per SSRC); a new one beyond
    /// is dropped (<c>SrtpTooManyStreams</c>), so a peer cannot grow our state without bound. The default fits what one
    /// publisher sends many times over; a client that subscribes to a large meeting (the load generator) needs one
    /// per stream it receives. What we send is not capped by this (one SSRC per consumer, bounded by the room).
    /// </summary>
    public int MaxReceivedSsrcs
    {
        get => _maxReceivedSsrcs;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Srtp.SrtpStreamTable.MaxSentStreams);
            _maxReceivedSsrcs = value;
        }
    }

    private readonly int _maxReceivedSsrcs = Srtp.SrtpStreamTable.MaxStreams;
}
