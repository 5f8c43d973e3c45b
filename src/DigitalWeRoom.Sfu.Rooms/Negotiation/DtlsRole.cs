namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The DTLS role the server must take, derived from the answer's <c>a=setup</c> (RFC 8842 §5.2, RFC 4145 §4):
/// the peer answering <c>active</c> makes us the DTLS server; <c>passive</c> makes us the client. Values are stable.
/// </summary>
internal enum DtlsRole : byte
{
    Server = 1,
    Client = 2,
}
