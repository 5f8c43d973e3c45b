using System.Net;
using System.Net.Sockets;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Ice;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// RFC 7675 §5.1 on our controlling client: a valid response renews consent even when it answers an earlier check
/// than the latest (a server seconds behind under load), and consent still expires 30 s after the last response.
/// Before, only the latest check's transaction counted, so a loaded server's late answers failed the load
/// generator's publishers and probes (issue #16: audio 2000, forwarded 0 pkt/s in the measured window).
/// </summary>
public sealed class LateConsentResponseTests
{
    private const string ServerUfrag = "srvU";
    private const string ServerPassword = "serverpasswordserverpassword";

    [Fact]
    public async Task A_late_answer_to_an_earlier_check_renews_consent()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.ReceiveTimeout = 5000;
        var listener = new RecordingListener();
        using var client = IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = ServerUfrag,
            ServerPassword = ServerPassword,
            ServerEndPoint = (IPEndPoint)server.LocalEndPoint!,
            ServerFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = listener,
            Certificate = TestEnvironment.ClientCertificate,
            TimeProvider = time,
            ConsentInterval = TimeSpan.FromSeconds(4),
            ConsentTimeout = TimeSpan.FromSeconds(30),
        });

        time.Advance(TimeSpan.FromMilliseconds(1));
        var first = ReceiveCheck(server, []);
        Answer(server, first);
        await WaitForAsync(() => client.ConsentResponses == 1);
        Assert.Equal(WebRtcTransportState.Checking, client.Transport.State);

        time.Advance(TimeSpan.FromSeconds(4));
        var second = ReceiveCheck(server, first.Id);
        time.Advance(TimeSpan.FromSeconds(4));
        var third = ReceiveCheck(server, second.Id);
        Assert.False(second.Id.AsSpan().SequenceEqual(third.Id), "each consent check is a new transaction (RFC 7675 §5.1)");

        // At t = 8 s the answer to the check of t = 4 s arrives, after the next check went out.
        Answer(server, second);
        await WaitForAsync(() => client.ConsentResponses == 2);
        Assert.Equal(0, client.Endpoint.Drops.Get(Protocols.DropReason.StunNotStun));

        // t = 34 s: 34 s after the first answer, 26 s after the late one: still consented.
        time.Advance(TimeSpan.FromSeconds(26));
        Assert.Equal(WebRtcTransportState.Checking, client.Transport.State);

        // No answer since t = 8 s: consent expires 30 s after it.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(WebRtcTransportState.Failed, client.Transport.State);
    }

    /// <summary>The next Binding request that is not a retransmission of <paramref name="previous"/>'s transaction.</summary>
    private static (byte[] Id, EndPoint From) ReceiveCheck(Socket server, byte[] previous)
    {
        var buffer = new byte[1500];
        while (true)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int n = server.ReceiveFrom(buffer, ref from);
            // The client's DTLS ClientHello goes to the same address once ICE succeeded: only STUN is answered here.
            if (StunMessage.TryParse(buffer.AsSpan(0, n), out var message, out _) && message.Type == StunMessageType.BindingRequest
                && !message.TransactionId.SequenceEqual(previous))
            {
                return (message.TransactionId.ToArray(), from);
            }
        }
    }

    private static void Answer(Socket server, (byte[] Id, EndPoint From) check)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingSuccessResponse, check.Id);
        writer.AddXorMappedAddress((IPEndPoint)check.From);
        writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(ServerPassword));
        writer.AddFingerprint();
        server.SendTo(writer.Written, check.From);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }
}
