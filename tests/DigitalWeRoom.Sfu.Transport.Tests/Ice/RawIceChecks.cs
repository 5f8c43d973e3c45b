using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>Connectivity checks from plain sockets: the extra pairs of a browser that has several local candidates.</summary>
internal static class RawIceChecks
{
    /// <summary>A loopback UDP socket with a receive timeout, as one local candidate of the peer.</summary>
    public static Socket Candidate()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 5000;
        return socket;
    }

    /// <summary>The tuple the server sees for <paramref name="socket"/>.</summary>
    public static TransportTuple TupleOf(Socket socket) => TransportTuple.From((IPEndPoint)socket.LocalEndPoint!);

    /// <summary>An authenticated check (RFC 8445 §7.2.2) for <paramref name="transport"/> from the peer <paramref name="peerUfrag"/>.</summary>
    public static byte[] Request(WebRtcTransport transport, string peerUfrag, uint priority, bool useCandidate)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername((transport.LocalIceCredentials.Ufrag + ":" + peerUfrag).AsSpan());
        writer.AddPriority(priority);
        writer.AddIceControlling(42);
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }
        writer.AddMessageIntegrity(transport.LocalIceCredentials.PasswordBytes);
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>A Binding request without credentials (the port as a STUN server, RFC 8489 §3): answered with XOR-MAPPED-ADDRESS.</summary>
    public static byte[] PlainBindingRequest()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    /// <summary>Sends one check for <paramref name="transport"/> and asserts the success answer.</summary>
    public static void Check(Socket socket, UdpEndpoint server, WebRtcTransport transport, string peerUfrag, uint priority, bool useCandidate)
    {
        socket.SendTo(Request(transport, peerUfrag, priority, useCandidate), server.LocalEndPoint);
        var buffer = new byte[1500];
        int n = socket.Receive(buffer);
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, n), out var response, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, response.Type);
    }
}
