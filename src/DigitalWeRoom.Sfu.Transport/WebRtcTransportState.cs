namespace DigitalWeRoom.Sfu.Transport;

/// <summary>Lifecycle of a <see cref="WebRtcTransport"/>.</summary>
public enum WebRtcTransportState : byte
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
