namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>RTCP packet types (the PT octet) with their IANA wire values.</summary>
public enum RtcpPacketType : byte
{
    /// <summary>RFC 3550 §6.4.1.</summary>
    SenderReport = 200,

    /// <summary>RFC 3550 §6.4.2.</summary>
    ReceiverReport = 201,

    /// <summary>RFC 3550 §6.5.</summary>
    SourceDescription = 202,

    /// <summary>RFC 3550 §6.6.</summary>
    Goodbye = 203,

    /// <summary>RFC 3550 §6.7.</summary>
    ApplicationDefined = 204,

    /// <summary>RFC 4585 §6.2: transport layer feedback (RTPFB).</summary>
    TransportLayerFeedback = 205,

    /// <summary>RFC 4585 §6.3: payload-specific feedback (PSFB).</summary>
    PayloadSpecificFeedback = 206,

    /// <summary>RFC 3611 §2: extended report (XR).</summary>
    ExtendedReport = 207,
}

/// <summary>FMT values of <see cref="RtcpPacketType.TransportLayerFeedback"/>.</summary>
public enum TransportLayerFeedbackFormat : byte
{
    /// <summary>RFC 4585 §6.2.1: generic NACK.</summary>
    Nack = 1,

    /// <summary>draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1.</summary>
    TransportWideCc = 15,
}

/// <summary>FMT values of <see cref="RtcpPacketType.PayloadSpecificFeedback"/>.</summary>
public enum PayloadSpecificFeedbackFormat : byte
{
    /// <summary>RFC 4585 §6.3.1.</summary>
    PictureLossIndication = 1,

    /// <summary>RFC 5104 §4.3.1.</summary>
    FullIntraRequest = 4,

    /// <summary>RFC 4585 §6.4: application layer feedback (carries REMB).</summary>
    ApplicationLayer = 15,
}
