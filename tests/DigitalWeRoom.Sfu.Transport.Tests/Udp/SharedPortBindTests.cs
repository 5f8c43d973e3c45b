using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A port bound with SO_REUSEPORT (lane send sockets, several receive sockets) is the endpoint's alone: the port-0
/// probe is closed before the shared bind, and another socket that takes the port in between (another process, or a
/// parallel test) makes that attempt retry on a fresh port instead of failing or silently joining its group
/// (<see cref="UdpSockets.BindPort"/>, <see cref="PortHolders"/>). Linux, as the project. Not run beside the other
/// socket tests: a port-0 bind with SO_REUSEPORT by the same user may be given a port whose group already exists, so a
/// parallel test's socket could join the port asserted here to have one holder (CI, 2026-12-07: 2 holders).
/// </summary>
[Collection(nameof(SharedPortBindCollection))]
public sealed class SharedPortBindTests
{
    private static Socket Take(int port, bool reusePort)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        if (reusePort)
        {
            socket.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SO_REUSEPORT, same user: joins a group
        }
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        return socket;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_port_taken_between_the_probe_and_the_shared_bind_is_given_up_for_a_fresh_one(bool takerSharesPorts)
    {
        Socket? taker = null;
        int probed = 0;
        try
        {
            using var port = new UdpEndpoint(new UdpEndpointOptions
            {
                BindAddress = IPAddress.Loopback,
                Port = 0,
                LaneSendSockets = true,
                AfterPortProbe = chosen =>
                {
                    if (probed++ == 0) taker = Take(chosen, takerSharesPorts);
                },
            });

            Assert.Equal(2, probed);
            int taken = ((IPEndPoint)taker!.LocalEndPoint!).Port;
            Assert.NotEqual(taken, port.LocalEndPoint.Port);
            Assert.Equal(1, PortHolders.Count(IPAddress.Loopback, taken)); // the taker alone: our attempt was closed
            Assert.Equal(1, PortHolders.Count(IPAddress.Loopback, port.LocalEndPoint.Port));
        }
        finally
        {
            taker?.Dispose();
        }
    }

    [Fact]
    public void A_fixed_port_that_another_group_holds_is_refused()
    {
        using Socket other = Take(0, reusePort: true);
        int taken = ((IPEndPoint)other.LocalEndPoint!).Port;
        var refused = Assert.Throws<SocketException>(() =>
            new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, Port = taken, ReceiveSockets = 2 }));
        Assert.Equal(SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
    }

    [Fact]
    public void The_kernel_table_rows_parse_to_address_and_port()
    {
        Assert.True(PortHolders.TryParseLocal("  12: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 123 2 0 0", out var v4, out int p4));
        Assert.Equal(IPAddress.Loopback, v4);
        Assert.Equal(8080, p4);
        Assert.True(PortHolders.TryParseLocal(" 3: 00000000000000000000000001000000:1EC2 00000000000000000000000000000000:0000 07", out var v6, out int p6));
        Assert.Equal(IPAddress.IPv6Loopback, v6);
        Assert.Equal(7874, p6);
        Assert.False(PortHolders.TryParseLocal("  sl  local_address rem_address   st", out _, out _));
        Assert.False(PortHolders.TryParseLocal("garbage", out _, out _));
    }
}

/// <summary>Runs <see cref="SharedPortBindTests"/> after the parallel tests, alone.</summary>
[CollectionDefinition(nameof(SharedPortBindCollection), DisableParallelization = true)]
public sealed class SharedPortBindCollection;
