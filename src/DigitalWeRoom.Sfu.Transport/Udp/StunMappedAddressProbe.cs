using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Learns the media socket's public address behind a 1:1 NAT (a cloud VM with only a private interface address):
/// a STUN Binding request (RFC 8489 §6.1) from the media socket itself to each configured STUN server, and the
/// XOR-MAPPED-ADDRESS of the success response (§14.2), which is where the NAT maps the socket. Runs once, before the
/// receive loops start, so nothing else reads the sockets meanwhile; the whole probe is bounded by one timeout, with
/// the request retransmitted within it (§6.2.1), and an unreachable or silent server only costs that time.
/// </summary>
internal static class StunMappedAddressProbe
{
    /// <summary>What the probe found: the mapped endpoints (distinct), and how many servers gave none.</summary>
    public sealed record Result(IReadOnlyList<IPEndPoint> Mapped, int Unanswered);

    public static Result Probe(Socket[] sockets, IReadOnlyList<IPEndPoint> servers, TimeSpan timeout)
    {
        var pending = new Dictionary<IPEndPoint, byte[]>();
        foreach (var server in servers)
        {
            pending[server] = RandomNumberGenerator.GetBytes(StunConstants.TransactionIdLength);
        }

        var mapped = new List<IPEndPoint>();
        var started = Environment.TickCount64;
        long nextSend = started;
        var rto = 250;
        var buffer = new byte[1500];
        var request = new byte[StunConstants.HeaderLength];
        while (pending.Count > 0)
        {
            long now = Environment.TickCount64;
            long remaining = started + (long)timeout.TotalMilliseconds - now;
            if (remaining <= 0)
            {
                break;
            }

            if (now >= nextSend)
            {
                foreach (var (server, transactionId) in pending)
                {
                    var writer = new StunMessageWriter(request, StunMessageType.BindingRequest, transactionId);
                    TrySend(sockets[0], writer.Written, server);
                }

                nextSend = now + rto;
                rto *= 2;
            }

            var readable = new List<Socket>(sockets);
            Socket.Select(readable, null, null, (int)Math.Clamp(Math.Min(remaining, nextSend - now), 1, int.MaxValue / 1000) * 1000);
            foreach (var socket in readable)
            {
                EndPoint from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
                int length;
                try
                {
                    length = socket.ReceiveFrom(buffer, ref from);
                }
                catch (SocketException)
                {
                    continue;
                }

                if (Answer(buffer.AsSpan(0, length), pending) is { } answer)
                {
                    pending.Remove(answer.Server);
                    if (!mapped.Contains(answer.Mapped))
                    {
                        mapped.Add(answer.Mapped);
                    }
                }
            }
        }

        return new Result(mapped, pending.Count);
    }

    /// <summary>The server and mapped address a datagram answers, if it is a Binding success response to one of ours.</summary>
    private static (IPEndPoint Server, IPEndPoint Mapped)? Answer(ReadOnlySpan<byte> datagram, Dictionary<IPEndPoint, byte[]> pending)
    {
        if (!StunMessage.TryParse(datagram, out var message, out DropReason _) || message.Type != StunMessageType.BindingSuccessResponse)
        {
            return null;
        }

        foreach (var (server, transactionId) in pending)
        {
            if (message.TransactionId.SequenceEqual(transactionId) && message.TryGetXorMappedAddress(out IPEndPoint? endpoint) && endpoint is not null)
            {
                var address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
                return (server, new IPEndPoint(address, endpoint.Port));
            }
        }

        return null;
    }

    private static void TrySend(Socket socket, ReadOnlySpan<byte> datagram, IPEndPoint server)
    {
        try
        {
            var target = socket.AddressFamily == AddressFamily.InterNetworkV6 && server.AddressFamily == AddressFamily.InterNetwork
                ? new IPEndPoint(server.Address.MapToIPv6(), server.Port)
                : server;
            socket.SendTo(datagram, SocketFlags.None, target);
        }
        catch (SocketException)
        {
            // No route to it (or the family does not match the bind address): it stays unanswered.
        }
    }
}
