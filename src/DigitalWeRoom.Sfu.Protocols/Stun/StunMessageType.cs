namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// STUN message types used by ICE (RFC 8489 §5, §18.2). The 14-bit type interleaves the method
/// (bits M0..M11) with the class (bits C0, C1); only the Binding method is used by ICE-lite.
/// Other values can still appear on the wire: the parser casts the raw field, so check with a switch.
/// </summary>
public enum StunMessageType : ushort
{
    BindingRequest = 0x0001,
    BindingIndication = 0x0011,
    BindingSuccessResponse = 0x0101,
    BindingErrorResponse = 0x0111,
}

/// <summary>The four STUN classes (RFC 8489 §5), decoded from the C0/C1 bits of the type.</summary>
public enum StunMessageClass : byte
{
    Request = 0,
    Indication = 1,
    SuccessResponse = 2,
    ErrorResponse = 3,
}
