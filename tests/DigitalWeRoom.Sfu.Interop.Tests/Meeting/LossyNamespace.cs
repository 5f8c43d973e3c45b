using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A <see cref="ClientNamespace"/> whose UDP traffic in both directions loses one packet in <c>dropOneIn</c> at random
/// (nftables <c>numgen random mod N == 0 drop</c>; netem is not in this kernel). Upstream packets are dropped where
/// they arrive, at the ingress of the host end of the veth pair: a drop in the namespace's own output hook fails
/// <c>sendto</c> with EPERM, and Chromium then sends the packet again, so that "loss" never reaches the server.
/// </summary>
internal sealed class LossyNamespace : IDisposable
{
    private readonly ClientNamespace _ns;

    private LossyNamespace(ClientNamespace ns) => _ns = ns;

    public string HostAddress => _ns.HostAddress;

    /// <summary>The nftables table, in the current namespace, that drops upstream packets at the host end of the link.</summary>
    private string UpstreamTable => "lossy_" + _ns.HostLink;

    public static LossyNamespace Create(int dropOneIn)
    {
        var lossy = new LossyNamespace(ClientNamespace.Create());
        try
        {
            lossy._ns.ApplyRules($$"""
                table inet lossy {
                  chain in { type filter hook input priority 0; meta l4proto udp numgen random mod {{dropOneIn}} == 0 counter drop; }
                }
                """);
            lossy._ns.ApplyHostRules("netdev " + lossy.UpstreamTable, $$"""
                table netdev {{lossy.UpstreamTable}} {
                  chain out { type filter hook ingress device {{lossy._ns.HostLink}} priority 0; ip protocol udp numgen random mod {{dropOneIn}} == 0 counter drop; }
                }
                """);
            return lossy;
        }
        catch
        {
            lossy.Dispose();
            throw;
        }
    }

    /// <summary>UDP packets dropped so far (out of, into) the namespace.</summary>
    public (long Out, long In) Dropped() =>
        (ClientNamespace.CounterPackets(_ns.Nft($"list table netdev {UpstreamTable}", inside: false), "out"),
         ClientNamespace.CounterPackets(_ns.Nft("list table inet lossy"), "in"));

    /// <summary>A script Playwright can start as its browser: Chromium inside this namespace.</summary>
    public string WriteChromiumWrapper() => _ns.WriteWrapper(Browser.Chromium.ExecutablePath);

    public void Dispose() => _ns.Dispose();
}
