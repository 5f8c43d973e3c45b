using System.Net;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Tcp;

/// <summary>A server as the host builds it: one directory of transports, the UDP port and the ICE-TCP port on loopback.</summary>
internal sealed class TcpTestServer : IDisposable
{
    public TcpTestServer(IceTcpEndpointOptions? tcp = null)
    {
        Directory = new TransportDirectory(new UdpEndpointOptions { DtlsHandshakeTimeout = TimeSpan.FromSeconds(25) });
        Udp = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback }, Directory).Start();
        Tcp = new IceTcpEndpoint(tcp ?? new IceTcpEndpointOptions { BindAddress = IPAddress.Loopback }, Directory).Start();
    }

    public TransportDirectory Directory { get; }

    public UdpEndpoint Udp { get; }

    public IceTcpEndpoint Tcp { get; }

    public WebRtcTransport CreateTransport(IWebRtcTransportListener listener) =>
        Directory.CreateTransport(new WebRtcTransportOptions { RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint, Listener = listener });

    /// <summary>A server transport and an ICE-TCP client connected to it (ICE, DTLS, SRTP).</summary>
    public async Task<(WebRtcTransport Server, IceTcpTestClient Client, RecordingListener ServerListener, RecordingListener ClientListener)> ConnectTcpAsync(IPAddress? bind = null)
    {
        var serverListener = new RecordingListener();
        var clientListener = new RecordingListener();
        WebRtcTransport transport = CreateTransport(serverListener);
        var client = new IceTcpTestClient(Tcp.LocalEndPoint, transport, clientListener, bind);
        await client.ConnectAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(WebRtcTransportState.Connected, await serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));
        return (transport, client, serverListener, clientListener);
    }

    public void Dispose()
    {
        Directory.Dispose();
        Tcp.Dispose();
        Udp.Dispose();
    }
}
