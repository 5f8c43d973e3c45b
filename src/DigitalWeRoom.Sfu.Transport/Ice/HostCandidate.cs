using System.Globalization;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// One host candidate of the shared UDP port (RFC 8445 §5.1.1.1, SDP syntax RFC 8839 §5.1).
/// Priority per RFC 8445 §5.1.2.1: 2^24 × type preference (126 for host) + 2^8 × local preference
/// + (256 − component); IPv6 gets the higher local preference (RFC 8421 §4).
/// </summary>
internal sealed record HostCandidate(string Foundation, int Component, uint Priority, IPAddress Address, int Port)
{
    public const int HostTypePreference = 126;

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

    /// <summary>The attribute value: <c>candidate:1 1 udp 2130706431 192.0.2.1 3478 typ host</c>.</summary>
    public string ToSdpValue() =>
        string.Create(CultureInfo.InvariantCulture, $"candidate:{Foundation} {Component} udp {Priority} {Address} {Port} typ host");

    public override string ToString() => ToSdpValue();
}
