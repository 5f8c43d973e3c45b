using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// The media port's kernel receive buffer (issue 16 item 3: a join storm's datagrams wait there while the receive
/// loop does not run): Linux silently caps SO_RCVBUF at net.core.rmem_max; the port then forces the size it asked for
/// where it may (CAP_NET_ADMIN, as the server in its container and the benchmarks run) and keeps the cap elsewhere.
/// </summary>
public sealed class ReceiveBufferTests
{
    private static int RmemMax => int.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim());

    private static int Effective(int requested)
    {
        var options = new UdpEndpointOptions { BindAddress = IPAddress.Loopback, ReceiveBufferSize = requested };
        using Socket socket = UdpSockets.Bind(options, IPAddress.Loopback, 0, reusePort: false);
        return socket.ReceiveBufferSize;
    }

    [Fact]
    public void BeyondRmemMax_IsForcedWhenPrivileged_ElseCapped()
    {
        Assert.True(OperatingSystem.IsLinux(), "the server runs on Linux");
        int requested = (int)Math.Min(int.MaxValue / 4, 2L * RmemMax + 65536);
        // socket(7): the kernel doubles the value it sets (bookkeeping) and reports the doubled value.
        Assert.Equal(Environment.IsPrivilegedProcess ? 2L * requested : 2L * RmemMax, Effective(requested));
    }

    [Fact]
    public void WithinRmemMax_IsWhatWasAskedFor()
    {
        int requested = Math.Min(RmemMax, 256 * 1024);
        Assert.Equal(2 * requested, Effective(requested));
    }

    [Fact]
    public void ByDefault_TheSocketBufferSizeIsTheReceiveBuffer()
    {
        var options = new UdpEndpointOptions { BindAddress = IPAddress.Loopback, SocketBufferSize = 128 * 1024 };
        using Socket socket = UdpSockets.Bind(options, IPAddress.Loopback, 0, reusePort: false);
        Assert.Equal(Math.Min(2 * 128 * 1024, 2 * RmemMax), socket.ReceiveBufferSize);
    }
}
