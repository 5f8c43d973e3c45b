namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Webhooks, bound from <c>Sfu:Webhooks</c>: room and participant events POSTed as JSON to <see cref="Urls"/>,
/// signed with an API secret from <c>Sfu:Auth:Keys</c>. Delivery never blocks a room: events wait in a bounded
/// queue (oldest dropped and counted when full) and failed posts are retried with exponential backoff.
/// </summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Sfu:Webhooks";

    public List<string> Urls { get; set; } = [];

    /// <summary>Which API key signs the requests; default the first configured key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Events waiting for delivery; when full the oldest is dropped (and counted).</summary>
    public int QueueCapacity { get; set; } = 1000;

    /// <summary>Tries per event and URL, the first included.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait after the first failure; doubled after each further failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for one POST.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
