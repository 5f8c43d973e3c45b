using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

/// <summary>The real host on Kestrel at 127.0.0.1 with a free port, with optional <c>Sfu:...</c> overrides.</summary>
internal sealed class SfuHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public SfuHost(Dictionary<string, string?>? settings = null)
    {
        _settings = settings ?? [];
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUri = new Uri(addresses.First());
    }

    public Uri BaseUri { get; }

    public Uri WebSocketUri => new($"ws://{BaseUri.Authority}/ws");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Sfu:Udp:Port", "0");
        builder.UseSetting("Sfu:Tcp:Port", "0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task<WsClient> ConnectAsync(bool msgpack = false, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        if (msgpack)
        {
            socket.Options.AddSubProtocol(SignalingCodec.MessagePackSubprotocol);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(WebSocketUri, timeout.Token);
        return new WsClient(socket, msgpack ? SignalEncoding.MessagePack : SignalEncoding.Json);
    }
}

internal sealed class WsClient(ClientWebSocket socket, SignalEncoding encoding) : IAsyncDisposable
{
    private readonly List<SignalMessage> _received = [];

    public ClientWebSocket Socket { get; } = socket;

    public IReadOnlyList<SignalMessage> Received => _received;

    public Task SendAsync(SignalMessage message) =>
        SendBytesAsync(SignalingCodec.Encode(message, encoding), encoding == SignalEncoding.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary);

    public Task SendTextAsync(string text) => SendBytesAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    public async Task SendBytesAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Socket.SendAsync(bytes, type, true, timeout.Token);
    }

    /// <summary>Reads until a message of <paramref name="type"/> ("*": any type) arrives (others are kept in <see cref="Received"/>).</summary>
    public Task<SignalMessage> WaitForAsync(string type, Func<SignalMessage, bool>? match = null, double seconds = 10) =>
        WaitForAsync(m => (type == "*" || m.Type == type) && (match is null || match(m)), seconds);

    /// <summary>Reads until a message that <paramref name="match"/> accepts arrives (others are kept in <see cref="Received"/>).</summary>
    public async Task<SignalMessage> WaitForAsync(Func<SignalMessage, bool> match, double seconds = 10)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var buffer = new byte[256 * 1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await Socket.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("server closed the socket");
            }

            Assert.Equal(encoding == SignalEncoding.Json ? WebSocketMessageType.Text : WebSocketMessageType.Binary, result.MessageType);
            Assert.True(SignalingCodec.TryDecode(buffer.AsMemory(0, length), encoding, out var message, out var error), error);
            _received.Add(message);
            if (match(message))
            {
                return message;
            }
        }
    }

    public Task<SignalMessage> ErrorAsync(string code) => WaitForAsync(MessageTypes.Error, m => m.Code == code);

    public async Task<string> JoinAsync(string room, string name, bool p2p = true)
    {
        await SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = room, Name = name, P2p = p2p });
        return (await WaitForAsync(MessageTypes.Joined)).ParticipantId!;
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Abort();
        Socket.Dispose();
        await Task.CompletedTask;
    }
}
