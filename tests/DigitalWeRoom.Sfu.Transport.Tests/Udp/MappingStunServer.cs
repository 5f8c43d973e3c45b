using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A STUN server on loopback standing in for a 1:1 NAT: answers every Binding request with XOR-MAPPED-ADDRESS =
/// <c>map(source port)</c>; ignores the rest. Also linked into Server.Tests.
/// </summary>
internal sealed class MappingStunServer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly TaskCompletionSource<IPEndPoint> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MappingStunServer(Func<int, IPEndPoint> map)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        // A thread of its own, not the thread pool: the endpoint under test probes in its constructor and blocks a
        // thread for up to its STUN timeout, and a suite running in parallel can starve the pool for that long.
        var thread = new Thread(() =>
        {
            var buffer = new byte[1500];
            var response = new byte[64];
            while (true)
            {
                EndPoint remote = new IPEndPoint(IPAddress.Any, 0);
                int length;
                try
                {
                    length = _socket.ReceiveFrom(buffer, ref remote);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    return;
                }

                var from = (IPEndPoint)remote;
                if (!StunMessage.TryParse(buffer.AsSpan(0, length), out var request, out _) || request.Type != StunMessageType.BindingRequest)
                {
                    continue;
                }

                _first.TrySetResult(from);
                var writer = new StunMessageWriter(response, StunMessageType.BindingSuccessResponse, request.TransactionId);
                writer.AddXorMappedAddress(map(from.Port));
                _socket.SendTo(writer.Written, from);
            }
        })
        { IsBackground = true, Name = "mapping-stun" };
        thread.Start();
    }

    public IPEndPoint EndPoint { get; }

    public Task<IPEndPoint> FirstRequestFrom => _first.Task;

    public void Dispose() => _socket.Dispose();
}
