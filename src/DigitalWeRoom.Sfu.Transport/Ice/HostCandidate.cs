using System.Globalization;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// One host candidate of the shared UDP port (RFC 8445 §5.1.1.1, SDP syntax RFC 8839 §5.1).
/// Priority per RFC 8445 §5.1.2.1: 2^24 × type preference (126 for host) + 2^8 × local preference
/// + (256 − component); IPv6 gets the higher local preference (RFC 8421 §4). A passive ICE-TCP candidate
/// (RFC 6544 §4.5, <c>tcptype passive</c>) has a lower type preference than UDP so a browser that reaches both
/// prefers UDP (RFC 6544 §4.2), and a local preference of 2^13 × direction-pref (passive: 4) + other-pref.
/// </summary>
public sealed record HostCandidate(string Foundation, int Component, uint Priority, IPAddress Address, int Port)
{
    public const int HostTypePreference = 126;

    /// <summary>Below host UDP (126) and server-reflexive (100), above relayed (0): UDP, then ICE-TCP, then TURN.</summary>
    public const int HostTcpTypePreference = 90;

    /// <summary>RFC 6544 §4.2 direction-pref of a passive host candidate.</summary>
    private const int PassiveDirectionPreference = 4;

    /// <summary>A passive ICE-TCP candidate (RFC 6544) rather than UDP.</summary>
    public bool IsTcp { get; init; }

    public static uint ComputePriority(int typePreference, int localPreference, int component) =>
        (uint)((typePreference << 24) + (localPreference << 8) + (256 - component));

    /// <summary>Host candidates for <paramref name="addresses"/> on <paramref name="port"/>, component 1 (rtcp-mux).</summary>
    public static IReadOnlyList<HostCandidate> For(IReadOnlyList<IPAddress> addresses, int port)
    {
        var candidates = new List<HostCandidate>(addresses.Count);
        for (int i = 0; i < addresses.Count; i++)
        {
            IPAddress address = addresses[i];
            int localPreference = (address.AddressFamily == AddressFamily.InterNetworkV6 ? 65535 : 65535 - 1024) - i;
            candidates.Add(new HostCandidate(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                1,
                ComputePriority(HostTypePreference, localPreference, 1),
                address,
                port));
        }
        return candidates;
    }

    /// <summary>
    /// Passive ICE-TCP candidates for <paramref name="addresses"/> on <paramref name="port"/>; foundations continue after
    /// <paramref name="foundationOffset"/> (a different base and protocol is a different foundation, RFC 8445 §5.1.1.3).
    /// </summary>
    public static IReadOnlyList<HostCandidate> ForTcp(IReadOnlyList<IPAddress> addresses, int port, int foundationOffset)
    {
        var candidates = new List<HostCandidate>(addresses.Count);
        for (int i = 0; i < addresses.Count; i++)
        {
            IPAddress address = addresses[i];
            int otherPreference = (address.AddressFamily == AddressFamily.InterNetworkV6 ? 8191 : 8191 - 1024) - i;
            candidates.Add(new HostCandidate(
                (foundationOffset + i + 1).ToString(CultureInfo.InvariantCulture),
                1,
                ComputePriority(HostTcpTypePreference, (PassiveDirectionPreference << 13) + otherPreference, 1),
                address,
                port) { IsTcp = true });
        }
        return candidates;
    }

    /// <summary>
    /// The attribute value: <c>candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host</c>, or for ICE-TCP
    /// <c>candidate:3 1 tcp 1518280447 192.0.2.1 7881 typ host tcptype passive</c> (RFC 6544 §4.5).
    /// </summary>
    public string ToSdpValue() => IsTcp
        ? string.Create(CultureInfo.InvariantCulture, $"candidate:{Foundation} {Component} tcp {Priority} {Address} {Port} typ host tcptype passive")
        : string.Create(CultureInfo.InvariantCulture, $"candidate:{Foundation} {Component} udp {Priority} {Address} {Port} typ host");

    public override string ToString() => ToSdpValue();
}
