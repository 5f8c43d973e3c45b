namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// Our DTLS role (RFC 5763 §5). Browsers offer <c>a=setup:actpass</c> and the SFU answers
/// <c>passive</c> (<see cref="Server"/>); our own client is <see cref="Client"/> (<c>active</c>).
/// </summary>
public enum DtlsRole : byte
{
    Server = 0,
    Client = 1,
}
