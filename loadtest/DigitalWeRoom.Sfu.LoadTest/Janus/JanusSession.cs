using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace DigitalWeRoom.Sfu.LoadTest.Janus;

/// <summary>
/// One Janus session over its HTTP JSON API (Janus docs, "RESTful, HTTP/JSON"): create, attach plugin handles,
/// send plugin messages, and a long-poll loop (GET /janus/&lt;session&gt;) that routes asynchronous events to the handle
/// that raised them. The long poll doubles as the session keep-alive.
/// </summary>
internal sealed class JanusSession : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<long, Channel<JsonNode>> _events = [];
    private Task? _poll;

    private JanusSession(HttpClient http, Uri baseUrl, long id)
    {
        _http = http;
        _base = baseUrl;
        Id = id;
    }

    public long Id { get; }

    public static async Task<JanusSession> CreateAsync(HttpClient http, Uri baseUrl, CancellationToken ct)
    {
        JsonNode reply = await PostAsync(http, baseUrl, new JsonObject { ["janus"] = "create" }, ct).ConfigureAwait(false);
        var session = new JanusSession(http, baseUrl, reply["data"]!["id"]!.GetValue<long>());
        session._poll = Task.Run(session.PollAsync, CancellationToken.None);
        return session;
    }

    public async Task<long> AttachAsync(string plugin, CancellationToken ct)
    {
        JsonNode reply = await PostAsync(_http, SessionUrl(), new JsonObject { ["janus"] = "attach", ["plugin"] = plugin }, ct).ConfigureAwait(false);
        long handle = reply["data"]!["id"]!.GetValue<long>();
        lock (_events) _events[handle] = Channel.CreateUnbounded<JsonNode>();
        return handle;
    }

    /// <summary>Sends a plugin message; returns Janus' immediate reply ("success" with plugindata, or "ack").</summary>
    public Task<JsonNode> MessageAsync(long handle, JsonObject body, string? jsepType, string? sdp, CancellationToken ct)
    {
        var message = new JsonObject { ["janus"] = "message", ["body"] = body };
        if (jsepType is not null) message["jsep"] = new JsonObject { ["type"] = jsepType, ["sdp"] = sdp };
        return PostAsync(_http, new Uri($"{SessionUrl()}/{handle}"), message, ct);
    }

    /// <summary>Waits for the next plugin event on <paramref name="handle"/> that satisfies <paramref name="match"/> (others are skipped).</summary>
    public async Task<JsonNode> WaitEventAsync(long handle, Func<JsonNode, bool> match, TimeSpan timeout, CancellationToken ct)
    {
        Channel<JsonNode> channel;
        lock (_events) channel = _events[handle];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        while (true)
        {
            JsonNode e = await channel.Reader.ReadAsync(cts.Token).ConfigureAwait(false);
            string? kind = e["janus"]?.GetValue<string>();
            if (kind == "hangup" || kind == "detached")
            {
                throw new InvalidOperationException($"janus {kind}: {e["reason"]}");
            }
            if (e["plugindata"]?["data"]?["error"] is { } error)
            {
                throw new InvalidOperationException($"janus plugin error: {error}");
            }
            if (match(e)) return e;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await PostAsync(_http, SessionUrl(), new JsonObject { ["janus"] = "destroy" }, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
        }
        if (_poll is not null)
        {
            try
            {
                await _poll.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        _stop.Dispose();
    }

    private Uri SessionUrl() => new($"{_base.ToString().TrimEnd('/')}/{Id}");

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            JsonNode? events;
            try
            {
                events = await _http.GetFromJsonAsync<JsonNode>(new Uri($"{SessionUrl()}?maxev=10"), _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or JsonException)
            {
                await Task.Delay(100, _stop.Token).ConfigureAwait(false);
                continue;
            }
            if (events is JsonArray array)
            {
                foreach (JsonNode? e in array) Route(e);
            }
            else
            {
                Route(events);
            }
        }
    }

    private void Route(JsonNode? e)
    {
        if (e?["sender"] is not { } sender) return;
        Channel<JsonNode>? channel;
        lock (_events) _events.TryGetValue(sender.GetValue<long>(), out channel);
        channel?.Writer.TryWrite(e);
    }

    private static async Task<JsonNode> PostAsync(HttpClient http, Uri url, JsonObject message, CancellationToken ct)
    {
        message["transaction"] = Guid.NewGuid().ToString("N");
        using HttpResponseMessage response = await http.PostAsJsonAsync(url, message, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        JsonNode reply = (await response.Content.ReadFromJsonAsync<JsonNode>(ct).ConfigureAwait(false))!;
        string? kind = reply["janus"]?.GetValue<string>();
        if (kind == "error")
        {
            throw new InvalidOperationException($"janus error: {reply["error"]}");
        }
        if (reply["plugindata"]?["data"]?["error"] is { } error)
        {
            throw new InvalidOperationException($"janus plugin error: {error}");
        }
        return reply;
    }
}
