using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// A validated pair (RFC 8445 §7.2.5.3.2): the remote tuple, its socket address, the socket it was validated on, its
/// pair priority (§6.1.2.3) and whether the peer nominated it. Replaced, never mutated.
/// </summary>
internal sealed record CandidatePair(TransportTuple Tuple, SocketAddress Address, IIceSocket Socket, ulong PairPriority, bool Nominated);
