using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>The validated, parsed form of <see cref="LocalTransportParameters"/>.</summary>
internal sealed record LocalTransport(LocalTransportParameters Parameters, SdpFingerprint Fingerprint, IReadOnlyList<SdpCandidate> Candidates);
