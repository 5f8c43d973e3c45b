namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// Why an SDP was rejected: the 1-based line number (0 for the document as a whole), a reason a
/// person can act on, and the drop reason for counters (<see cref="DropReason.SdpMalformed"/> or
/// <see cref="DropReason.TooLarge"/>).
/// </summary>
public readonly record struct SdpParseError(int LineNumber, string Reason, DropReason DropReason)
{
    public override string ToString() => LineNumber > 0 ? $"SDP line {LineNumber}: {Reason}" : $"SDP: {Reason}";
}
