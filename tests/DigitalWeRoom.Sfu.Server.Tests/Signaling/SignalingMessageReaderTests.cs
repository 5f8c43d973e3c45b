using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Server.Signaling;

namespace DigitalWeRoom.Sfu.Server.Tests.Signaling;

/// <summary>
/// Whole messages of every size up to the cap, in a buffer that starts small and grows only for a message that needs
/// it (a 1 KB message no longer rents the 384 KiB cap), over a real WebSocket on loopback TCP.
/// </summary>
[Collection(nameof(SignalingReaderCollection))]
public sealed class SignalingMessageReaderTests
{
    private const int Max = 393_216; // the load tests' Sfu:Limits:MaxMessageBytes (60-person answers)

    [Theory]
    [InlineData(1_000, 1)]
    [InlineData(SignalingMessageReader.InitialBytes, 1)]
    [InlineData(SignalingMessageReader.InitialBytes + 1, 3)]
    [InlineData(120_000, 7)]
    [InlineData(Max, 40)]
    public async Task A_message_arrives_whole_whatever_its_size_and_framing(int size, int frames)
    {
        var (server, client) = await ConnectAsync();
        using (server)
        using (client)
        {
            byte[] sent = Payload(size);
            Task sending = SendAsync(client, sent, frames); // read while sending: the message is larger than socket buffers

            var received = await SignalingMessageReader.ReadAsync(server, Max, CancellationToken.None);
            await sending;
            Assert.NotNull(received);
            using (received.Value)
            {
                Assert.False(received.Value.Oversized);
                Assert.True(received.Value.Data.Span.SequenceEqual(sent));
                if (size <= SignalingMessageReader.InitialBytes)
                {
                    Assert.Equal(SignalingMessageReader.InitialBytes, received.Value.BufferLength);
                }
            }

            Assert.Equal(0, SignalingMessageReader.BuffersHeld);
        }
    }

    [Fact]
    public async Task Past_the_cap_a_message_is_marked_oversized_and_the_next_one_is_read_whole()
    {
        var (server, client) = await ConnectAsync();
        using (server)
        using (client)
        {
            byte[] next = Payload(2_000);
            Task sending = Task.Run(async () =>
            {
                await SendAsync(client, Payload(Max + 50_000), frames: 30);
                await SendAsync(client, next, frames: 1);
            });

            var oversized = await SignalingMessageReader.ReadAsync(server, Max, CancellationToken.None);
            Assert.NotNull(oversized);
            using (oversized.Value)
            {
                Assert.True(oversized.Value.Oversized);
                Assert.Equal(Max, oversized.Value.Data.Length);
            }

            var received = await SignalingMessageReader.ReadAsync(server, Max, CancellationToken.None);
            Assert.NotNull(received);
            using (received.Value)
            {
                Assert.False(received.Value.Oversized);
                Assert.True(received.Value.Data.Span.SequenceEqual(next));
            }

            await sending;
            Assert.Equal(0, SignalingMessageReader.BuffersHeld);
        }
    }

    private static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }

    private static async Task SendAsync(WebSocket socket, byte[] message, int frames)
    {
        int chunk = (message.Length + frames - 1) / frames;
        for (int offset = 0; offset < message.Length; offset += chunk)
        {
            int n = Math.Min(chunk, message.Length - offset);
            await socket.SendAsync(message.AsMemory(offset, n), WebSocketMessageType.Binary, offset + n == message.Length, CancellationToken.None);
        }
    }

    private static async Task<(WebSocket Server, WebSocket Client)> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var connecting = new TcpClient();
        Task connect = connecting.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        TcpClient accepted = await listener.AcceptTcpClientAsync();
        await connect;
        var server = WebSocket.CreateFromStream(accepted.GetStream(), new WebSocketCreationOptions { IsServer = true });
        var client = WebSocket.CreateFromStream(connecting.GetStream(), new WebSocketCreationOptions { IsServer = false });
        return (server, client);
    }
}

/// <summary><see cref="SignalingMessageReader.BuffersHeld"/> is process-wide: these tests run alone.</summary>
[CollectionDefinition(nameof(SignalingReaderCollection), DisableParallelization = true)]
public sealed class SignalingReaderCollection;
