using System.Net;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Dtls;

/// <summary>
/// DTLS handshakes (a join's ECDHE/ECDSA) run at <see cref="UdpEndpointOptions.DtlsHandshakeNice"/> on both sides,
/// while the receive loop that forwards media stays at the process's priority.
/// </summary>
public class DtlsHandshakeNiceTests
{
    [Fact]
    public async Task Handshakes_run_at_the_join_nice_and_the_receive_loop_keeps_its_priority()
    {
        Assert.True(ThreadNiceness.IsSupported, "the server and the load generator run on Linux x86-64");
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        Assert.Equal(ThreadNiceness.JoinWork, server.Options.DtlsHandshakeNice);
        var listener = new RecordingListener();
        var (transport, client) = await TestEnvironment.ConnectAsync(server, listener);
        using (client)
        {
            Assert.Equal(ThreadNiceness.JoinWork, transport.DtlsHandshakeNice);
            Assert.Equal(ThreadNiceness.JoinWork, client.Transport.DtlsHandshakeNice);
            int? receiveNice = NiceOfThreadNamed("dwr-udp-" + server.LocalEndPoint.Port);
            Assert.NotNull(receiveNice);
            Assert.Equal(ThreadNiceness.Get(ThreadNiceness.CurrentThreadId), receiveNice);
        }
    }

    [Fact]
    public async Task Nice_zero_on_either_side_leaves_its_handshakes_at_the_process_priority()
    {
        using UdpEndpoint server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            DtlsHandshakeNice = 0,
        }).Start();
        var listener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = listener,
        });
        using var client = IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = transport.LocalIceCredentials.Ufrag,
            ServerPassword = transport.LocalIceCredentials.Password,
            ServerEndPoint = server.LocalEndPoint,
            ServerFingerprint = server.Certificate.Fingerprint,
            Listener = new RecordingListener(),
            Certificate = TestEnvironment.ClientCertificate,
            DtlsHandshakeNice = 0,
        });
        Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(WebRtcTransportState.Connected, await listener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));

        int? processNice = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
        Assert.Equal(processNice, transport.DtlsHandshakeNice);
        Assert.Equal(processNice, client.Transport.DtlsHandshakeNice);
    }

    /// <summary>The nice of this process's thread called <paramref name="name"/> (/proc/self/task/TID/stat field 19).</summary>
    private static int? NiceOfThreadNamed(string name)
    {
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != name) continue;
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                // Fields after the command name (which may hold spaces) start after the last ')': state is field 3.
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }
        return null;
    }
}
