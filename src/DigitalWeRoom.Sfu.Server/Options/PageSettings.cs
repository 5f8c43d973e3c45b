namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>The meeting page (Sfu:Page).</summary>
public sealed class PageSettings
{
    /// <summary>
    /// Serve the page's test hooks (<c>window.dwr</c>, URL switches such as <c>?fakeScreen=1</c>; js/testing/). Off by
    /// default: they are served only when this is true or the host runs in the <c>Testing</c> environment.
    /// </summary>
    public bool TestHooks { get; set; }

    /// <summary>Room summaries (<c>GET /api/rooms/{room}/summary</c>, shown on the pre-join screen) per client address per minute.</summary>
    public int SummariesPerIpPerMinute { get; set; } = 60;
}

/// <summary>Embedding the meeting in other sites (Sfu:Embed; CSP frame-ancestors).</summary>
public sealed class EmbedSettings
{
    /// <summary>
    /// Origins (<c>https://app.example</c>) allowed to show the meeting in an iframe: the page's CSP
    /// <c>frame-ancestors</c>, and the only origins its postMessage API talks to. Empty (default): no embedding.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
