using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// Joins through any node of a cluster (docs/cluster.md): connects, sends the join and reads the first answer; a
/// <c>redirect</c> to a ws:// URL on the /ws path that <see cref="TargetPolicy"/> allows is followed (same join, with
/// the redirect's token), at most 3 times. Anything else is the first message of the session, handed to the caller.
/// </summary>
internal static class SignalingRedirect
{
    public const int MaxHops = 3;

    public static async Task<(ClientWebSocket Socket, Uri At, JsonNode? First)> JoinAsync(Uri ws, JsonObject join, bool allowNetns, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(ws, ct).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(join.ToJsonString()), WebSocketMessageType.Text, true, ct).ConfigureAwait(false);
            var first = await ReadAsync(socket, ct).ConfigureAwait(false);
            if (first?["type"]?.GetValue<string>() != "redirect")
            {
                return (socket, ws, first);
            }

            string? url = first["url"]?.GetValue<string>();
            socket.Abort();
            socket.Dispose();
            if (hop + 1 >= MaxHops)
            {
                throw new InvalidOperationException($"more than {MaxHops} redirects");
            }

            if (!IsAllowed(url, allowNetns, out Uri? target, out string why))
            {
                throw new InvalidOperationException($"redirect refused: {why}");
            }

            if (first["token"]?.GetValue<string>() is { Length: > 0 } token)
            {
                join["token"] = token;
            }

            ws = target!;
        }
    }

    /// <summary>A redirect target: ws:// (the load generator's policy allows no other), path /ws, no credentials, an allowed host.</summary>
    public static bool IsAllowed(string? url, bool allowNetns, out Uri? target, out string why)
    {
        target = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "ws" || uri.AbsolutePath != "/ws" || uri.UserInfo.Length > 0
            || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            why = $"'{url}' is not a ws://host:port/ws URL";
            return false;
        }

        if (!TargetPolicy.IsAllowedUri(uri, allowNetns, out why))
        {
            return false;
        }

        target = uri;
        return true;
    }

    private static async Task<JsonNode?> ReadAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int length = 0;
        ValueWebSocketReceiveResult r;
        do
        {
            r = await socket.ReceiveAsync(buffer.AsMemory(length), ct).ConfigureAwait(false);
            length += r.Count;
        }
        while (!r.EndOfMessage && length < buffer.Length);
        if (r.MessageType == WebSocketMessageType.Close)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
