namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// STUN attribute types (RFC 8489 §18.3, RFC 8445 §16.1, RFC 5766 for the TURN ones we may see).
/// Values below 0x8000 are comprehension-required: a request carrying one we do not understand is
/// answered with 420 (RFC 8489 §6.3.1).
/// </summary>
public enum StunAttributeType : ushort
{
    MappedAddress = 0x0001,
    Username = 0x0006,
    MessageIntegrity = 0x0008,
    ErrorCode = 0x0009,
    UnknownAttributes = 0x000A,
    Realm = 0x0014,
    Nonce = 0x0015,
    MessageIntegritySha256 = 0x001C,
    PasswordAlgorithm = 0x001D,
    Userhash = 0x001E,
    XorMappedAddress = 0x0020,
    Priority = 0x0024,
    UseCandidate = 0x0025,

    // Comprehension-optional (0x8000-0xFFFF).
    PasswordAlgorithms = 0x8002,
    AlternateDomain = 0x8003,
    Software = 0x8022,
    AlternateServer = 0x8023,
    Fingerprint = 0x8028,
    IceControlled = 0x8029,
    IceControlling = 0x802A,

    /// <summary>Chromium's GOOG-NETWORK-INFO (network id and cost), sent in every check.</summary>
    GoogNetworkInfo = 0xC057,
}
