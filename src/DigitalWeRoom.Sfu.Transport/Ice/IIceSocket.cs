namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// The socket one validated candidate pair uses (RFC 8445 §6.1.2.6): the shared UDP port, which sends to the pair's
/// remote address, or one ICE-TCP connection (RFC 6544), which has only one peer. STUN answers and the transport's
/// DTLS and SRTP leave through it.
/// </summary>
public interface IIceSocket
{
    /// <summary>The drops of input that arrived on this socket.</summary>
    DropCounters Drops { get; }

    /// <summary>Sends one packet to <paramref name="remote"/> (ignored by a connected socket); false if refused.</summary>
    bool Send(ReadOnlySpan<byte> packet, SocketAddress remote);
}
