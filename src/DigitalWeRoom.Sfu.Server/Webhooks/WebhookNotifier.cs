using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.Options;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Delivers <see cref="WebhookEvent"/>s to every configured URL. <see cref="Enqueue"/> never blocks: the queue is
/// bounded and drops its oldest event when full (counted in <see cref="Dropped"/>). One loop posts events in order;
/// a failed post (non-2xx, error or timeout) is retried after 1×, 2×, 4×… <see cref="WebhookOptions.InitialBackoff"/>,
/// at most <see cref="WebhookOptions.MaxAttempts"/> tries, then counted in <see cref="Failed"/> and skipped.
/// </summary>
public sealed partial class WebhookNotifier : BackgroundService
{
    private readonly WebhookOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Channel<WebhookEvent> _queue;
    private readonly string? _apiKey;
    private readonly byte[]? _secret;
    private long _dropped;
    private long _delivered;
    private long _failed;
    private long _attempts;

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The HttpClient owns the handler and is disposed with the notifier.")]
    public WebhookNotifier(IOptions<WebhookOptions> options, IOptions<AuthOptions> auth, TimeProvider time, ILogger<WebhookNotifier> logger,
        HttpMessageHandler? handler = null)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = _options.RequestTimeout,
        };
        _apiKey = _options.ApiKey ?? auth.Value.Keys.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
        _secret = _apiKey is not null && auth.Value.Keys.TryGetValue(_apiKey, out string? secret) ? Encoding.UTF8.GetBytes(secret) : null;
        _queue = Channel.CreateBounded<WebhookEvent>(
            new BoundedChannelOptions(Math.Max(1, _options.QueueCapacity)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>True when URLs and a signing key are configured.</summary>
    public bool Enabled => _options.Urls.Count > 0 && _secret is not null;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Failed => Interlocked.Read(ref _failed);

    public long Attempts => Interlocked.Read(ref _attempts);

    public int Pending => _queue.Reader.Count;

    /// <summary>Queues an event for delivery; false when webhooks are off. Never blocks.</summary>
    public bool Enqueue(WebhookEvent webhookEvent)
    {
        if (!Enabled)
        {
            return false;
        }

        return _queue.Writer.TryWrite(webhookEvent);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            await foreach (WebhookEvent webhookEvent in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                byte[] body = JsonSerializer.SerializeToUtf8Bytes(webhookEvent, WireJsonContext.Default.WebhookEvent);
                foreach (string url in _options.Urls)
                {
                    await DeliverAsync(url, webhookEvent, body, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: undelivered events are dropped.
        }
    }

    private async Task DeliverAsync(string url, WebhookEvent webhookEvent, byte[] body, CancellationToken stoppingToken)
    {
        TimeSpan backoff = _options.InitialBackoff;
        for (int attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            Interlocked.Increment(ref _attempts);
            string failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/webhook+json");
                request.Headers.TryAddWithoutValidation("Authorization", WebhookSignature.Create(body, _apiKey!, _secret!, _time.GetUtcNow()));
                using HttpResponseMessage response = await _http.SendAsync(request, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _delivered);
                    return;
                }

                failure = $"HTTP {(int)response.StatusCode}";
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Any failure of one POST (refused, reset, timeout, bad response) is retried; none may stop the loop.
                failure = e.GetType().Name;
            }

            if (attempt == _options.MaxAttempts)
            {
                break;
            }

            LogRetry(_logger, webhookEvent.Event, url, failure, attempt, backoff);
            await Task.Delay(backoff, _time, stoppingToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        Interlocked.Increment(ref _failed);
        LogGaveUp(_logger, webhookEvent.Event, url, _options.MaxAttempts);
    }

    public override void Dispose()
    {
        base.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {Event} to {Url} failed ({Failure}) on try {Attempt}; retrying in {Backoff}")]
    private static partial void LogRetry(ILogger logger, string @event, string url, string failure, int attempt, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Event} to {Url} dropped after {Attempts} tries")]
    private static partial void LogGaveUp(ILogger logger, string @event, string url, int attempts);
}
