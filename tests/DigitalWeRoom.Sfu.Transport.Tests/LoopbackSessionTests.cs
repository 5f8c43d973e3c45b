using System.Net;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests;

/// <summary>
/// Many of our controlling clients against ONE server port: ICE, DTLS and SRTP/SRTCP both ways,
/// bytes compared, pools checked for leaks.
/// </summary>
public class LoopbackSessionTests
{
    private const int Sessions = 50;
    private const int RtpPerSession = 20;
    private const int RtcpPerSession = 5;

    [Fact]
    public Task Fifty_sessions_over_IPv4_loopback() => RunSessions(IPAddress.Loopback);

    [Fact]
    public Task Fifty_sessions_over_IPv6_loopback() => RunSessions(IPAddress.IPv6Loopback);

    private static async Task RunSessions(IPAddress address)
    {
        UdpEndpoint server = TestEnvironment.StartServer(address);
        var serverListeners = new RecordingListener[Sessions];
        var serverTransports = new WebRtcTransport[Sessions];
        var clientListeners = new RecordingListener[Sessions];
        var clients = new IceControllingClient[Sessions];
        try
        {
            for (int i = 0; i < Sessions; i++)
            {
                serverListeners[i] = new RecordingListener();
                serverTransports[i] = server.CreateTransport(new WebRtcTransportOptions
                {
                    RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
                    Listener = serverListeners[i],
                });
                clientListeners[i] = new RecordingListener();
                clients[i] = TestEnvironment.StartClient(server, serverTransports[i], clientListeners[i]);
            }

            var all = clients.Select(c => c.Settled).Concat(serverListeners.Select(l => l.Settled)).ToArray();
            Task timeout = Task.Delay(TimeSpan.FromSeconds(25));
            Assert.NotSame(timeout, await Task.WhenAny(Task.WhenAll(all), timeout));
            for (int i = 0; i < Sessions; i++)
            {
                Assert.Equal(WebRtcTransportState.Connected, await clients[i].Settled);
                Assert.Equal(WebRtcTransportState.Connected, await serverListeners[i].Settled);
                Assert.Equal(serverTransports[i].SrtpProfile, clients[i].Transport.SrtpProfile);
                Assert.Equal(TransportTupleOf(clients[i]), serverTransports[i].SelectedTuple);
            }
            Assert.Equal(Sessions, server.TransportCount);

            // Client → server and server → client, RTP and RTCP (one sender thread per direction).
            var sent = new Dictionary<int, (List<byte[]> Rtp, List<byte[]> Rtcp)>();
            var echoed = new Dictionary<int, (List<byte[]> Rtp, List<byte[]> Rtcp)>();
            for (int i = 0; i < Sessions; i++)
            {
                sent[i] = Send(i, (b, n) => clients[i].TrySendRtp(b, n), (b, n) => clients[i].TrySendRtcp(b, n), seedBase: 1000);
                echoed[i] = Send(i, (b, n) => serverTransports[i].TrySendRtp(b, n), (b, n) => serverTransports[i].TrySendRtcp(b, n), seedBase: 5000);
                // Pace a little: the machine is shared and loopback drops when a socket buffer overflows.
                await Task.Delay(1);
            }
            await TestEnvironment.WaitUntil(
                () => serverListeners.All(l => l.RtpCount == RtpPerSession && l.RtcpCount == RtcpPerSession)
                    && clientListeners.All(l => l.RtpCount == RtpPerSession && l.RtcpCount == RtcpPerSession),
                TimeSpan.FromSeconds(10), "media both ways", () => string.Join("; ", Enumerable.Range(0, Sessions)
                    .Where(i => serverListeners[i].RtpCount != RtpPerSession || serverListeners[i].RtcpCount != RtcpPerSession
                        || clientListeners[i].RtpCount != RtpPerSession || clientListeners[i].RtcpCount != RtcpPerSession)
                    .Select(i => $"#{i} server {serverListeners[i].RtpCount}/{serverListeners[i].RtcpCount} drops {Describe(serverTransports[i].Drops)}"
                        + $" client {clientListeners[i].RtpCount}/{clientListeners[i].RtcpCount} drops {Describe(clients[i].Transport.Drops)}"
                        + $" clientEndpointDrops {Describe(clients[i].Endpoint.Drops)}"))
                    + " serverEndpointDrops " + Describe(server.Drops));
            for (int i = 0; i < Sessions; i++)
            {
                AssertSameBytes(sent[i].Rtp, serverListeners[i].Rtp);
                AssertSameBytes(sent[i].Rtcp, serverListeners[i].Rtcp);
                AssertSameBytes(echoed[i].Rtp, clientListeners[i].Rtp);
                AssertSameBytes(echoed[i].Rtcp, clientListeners[i].Rtcp);
            }
            Assert.Equal(0, server.Drops.Get(DropReason.UnvalidatedAddress));
        }
        finally
        {
            foreach (var client in clients)
            {
                client?.Dispose();
            }
            server.Dispose();
        }
        Assert.Equal(0, server.Pool.Outstanding);
        foreach (var client in clients)
        {
            Assert.Equal(0, client.Endpoint.Pool.Outstanding);
        }
    }

    private static string Describe(DropCounters drops) =>
        string.Join(",", Enum.GetValues<DropReason>().Where(r => drops.Get(r) > 0).Select(r => $"{r}={drops.Get(r)}"));

    private static TransportTuple TransportTupleOf(IceControllingClient client) => TransportTuple.From(client.Endpoint.LocalEndPoint);

    private static (List<byte[]> Rtp, List<byte[]> Rtcp) Send(int session, Func<byte[], int, bool> sendRtp, Func<byte[], int, bool> sendRtcp, int seedBase)
    {
        var rtp = new List<byte[]>();
        var rtcp = new List<byte[]>();
        for (int k = 0; k < RtpPerSession; k++)
        {
            byte[] plain = TestPackets.Rtp((uint)(session + 1), (ushort)(k + 1), 100 + k, seedBase + (session * 100) + k);
            Assert.True(sendRtp(TestPackets.WithHeadroom(plain), plain.Length));
            rtp.Add(plain);
        }
        for (int k = 0; k < RtcpPerSession; k++)
        {
            byte[] plain = TestPackets.RtcpApp((uint)(session + 1), 4 + k, seedBase + 50 + (session * 100) + k);
            Assert.True(sendRtcp(TestPackets.WithHeadroom(plain), plain.Length));
            rtcp.Add(plain);
        }
        return (rtp, rtcp);
    }

    private static void AssertSameBytes(List<byte[]> expected, ConcurrentQueue<byte[]> actual)
    {
        // UDP on loopback keeps order per socket pair, but compare as sets to stay robust.
        var remaining = expected.Select(Convert.ToHexString).ToList();
        foreach (byte[] got in actual)
        {
            Assert.True(remaining.Remove(Convert.ToHexString(got)), "unexpected packet " + Convert.ToHexString(got));
        }
        Assert.Empty(remaining);
    }
}
