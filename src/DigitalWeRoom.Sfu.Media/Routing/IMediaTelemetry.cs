namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Rare measurements a <see cref="Router"/> hands to the metrics (the server implements it; Media stays free of
/// metrics libraries). Called on receive and send loops: implementations must not block or allocate.
/// </summary>
public interface IMediaTelemetry
{
    /// <summary>A round-trip time from a reception report about one of our SRs (RFC 3550 §6.4.1), once per report.</summary>
    void OnRtt(TimeSpan rtt);

    /// <summary>
    /// Router receive (after SRTP decryption) to the forwarded copy handed to the socket (SRTP included), for one in
    /// <see cref="TransportSender.ForwardLatencySampling"/> forwarded packets of each subscriber (key-frame cache replays,
    /// received long before, are not timed).
    /// </summary>
    void OnForwardLatency(TimeSpan latency);
}
