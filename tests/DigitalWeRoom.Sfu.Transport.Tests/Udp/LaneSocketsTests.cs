using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A send worker's own socket on the port's address and port (<see cref="LaneSockets"/>, issue 16 item 5): peers see
/// the same source, and the port's receive socket still reads every datagram sent to the port (Linux, as the project).
/// </summary>
public sealed class LaneSocketsTests
{
    private static UdpEndpoint NewPort(IPAddress bind, bool bindEachAddress = false) => new UdpEndpoint(new UdpEndpointOptions
    {
        BindAddress = bind,
        Port = 0,
        LaneSendSockets = true,
        BindEachAddress = bindEachAddress,
    }).Start();

    private static Socket NewSink()
    {
        var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return sink;
    }

    /// <summary>Runs <paramref name="send"/> on a new thread that sends as lane <paramref name="lane"/> (a send worker's), in one batch scope.</summary>
    private static void OnLane(int lane, Action send)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                EgressBatch.SendFromOwnSockets(lane);
                using (EgressBatch.Enter())
                {
                    send();
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failure);
    }

    [Fact]
    public void A_lanes_datagrams_leave_from_the_ports_address_and_port_through_a_socket_of_its_own()
    {
        using UdpEndpoint port = NewPort(IPAddress.Loopback);
        using Socket sink = NewSink();
        SocketAddress destination = TestEnvironment.LoopbackSocketAddress(sink);

        OnLane(1, () =>
        {
            for (int i = 0; i < 3; i++) Assert.True(port.SendTo(new byte[] { 0xFF, (byte)i }, destination));
        });

        var buffer = new byte[16];
        for (int i = 0; i < 3; i++)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            Assert.Equal(2, sink.ReceiveFrom(buffer, ref from));
            Assert.Equal(port.LocalEndPoint, from);
            Assert.Equal((byte)i, buffer[1]);
        }
        Socket lane = Assert.Single(port.LaneSockets!.Sockets);
        Assert.NotSame(port.PrimarySocket, lane);
        Assert.Equal(port.LocalEndPoint, lane.LocalEndPoint);
        Assert.Equal(3, port.DatagramsSent);
    }

    [Fact]
    public void Every_datagram_sent_to_the_port_reaches_the_receive_loop_and_none_lands_on_a_lane_socket()
    {
        using UdpEndpoint port = NewPort(IPAddress.Loopback);
        using Socket sink = NewSink();
        SocketAddress destination = TestEnvironment.LoopbackSocketAddress(sink);
        for (int lane = 1; lane <= 3; lane++)
        {
            OnLane(lane, () => port.SendTo(new byte[] { 0xFF }, destination));
        }
        Assert.Equal(3, port.LaneSockets!.Count);

        // 64 peers (64 source ports: without the steering program the kernel would hash a share onto the lane sockets).
        const int Peers = 64, Each = 8;
        var peers = new List<Socket>();
        try
        {
            for (int p = 0; p < Peers; p++)
            {
                var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                peers.Add(peer);
                for (int i = 0; i < Each; i++)
                {
                    // 0xFF: no protocol of RFC 7983 (counted and dropped by the receive loop, which counts it received).
                    peer.SendTo(new byte[] { 0xFF, (byte)i }, port.LocalEndPoint);
                }
            }
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (port.DatagramsReceived < Peers * Each && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.Equal(Peers * Each, port.DatagramsReceived);
            Assert.All(port.LaneSockets.Sockets, lane => Assert.Equal(0, lane.Available));
        }
        finally
        {
            foreach (var peer in peers) peer.Dispose();
        }
    }

    [Fact]
    public void A_lane_sending_through_a_per_address_socket_sends_from_that_address_and_its_replies_still_come_in()
    {
        using UdpEndpoint port = NewPort(IPAddress.Any, bindEachAddress: true);
        IIceSocket loopback = port.ReadVia.OfType<UdpAddressSocket>().Single(s => ((IPEndPoint)s.Socket.LocalEndPoint!).Address.Equals(IPAddress.Loopback));
        using Socket sink = NewSink();

        OnLane(1, () => Assert.True(loopback.Send(new byte[] { 0xFF }, TestEnvironment.LoopbackSocketAddress(sink))));

        var buffer = new byte[16];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        Assert.Equal(1, sink.ReceiveFrom(buffer, ref from));
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port.Port), from);
        Socket lane = Assert.Single(port.LaneSockets!.Sockets);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, port.Port), lane.LocalEndPoint);

        // The peer answers to the address it got the datagram from: the per-address socket's receive loop reads it.
        for (int i = 0; i < 32; i++) sink.SendTo(new byte[] { 0xFF, (byte)i }, from);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (port.DatagramsReceived < 32 && DateTime.UtcNow < deadline) Thread.Sleep(10);
        Assert.Equal(32, port.DatagramsReceived);
        Assert.Equal(0, lane.Available);
    }

    [Fact]
    public void A_port_in_use_is_refused_although_the_port_binds_with_SO_REUSEPORT()
    {
        using UdpEndpoint first = NewPort(IPAddress.Loopback);
        Assert.Throws<SocketException>(() => new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = first.Port,
            LaneSendSockets = true,
        }));
    }
}
