using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// The real host on 127.0.0.1 with its own node id and a fast stats sampler. Meters are matched by
/// name, so every host in this test process shows up in every host's scrape (each with its own
/// <c>node_id</c>, as separate processes would in Prometheus); scrapes here keep this host's series.
/// </summary>
internal static class TelemetryHost
{
    public const string NodePrefix = "test-node-";
    public const string Region = "test-region";

    public static SfuHost Start(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sfu:Telemetry:NodeId"] = NodePrefix + Guid.NewGuid().ToString("N")[..8],
            ["Sfu:Telemetry:Region"] = Region,
            ["Sfu:Telemetry:SampleInterval"] = "00:00:00.100",
        };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }

        return new SfuHost(settings);
    }

    public static async Task<PrometheusText> ScrapeAsync(this SfuHost host, string path = "/metrics")
    {
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        using var response = await http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var all = PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        var node = host.NodeId();
        all.Samples.RemoveAll(s => s["node_id"] is { } n && n != node);
        return all;
    }

    public static string NodeId(this SfuHost host) => host.Services.GetRequiredService<SfuMetrics>().NodeId;

    /// <summary>Scrapes until <paramref name="condition"/> holds (the sampler runs every 100 ms) or fails after 10 s.</summary>
    public static async Task<PrometheusText> ScrapeUntilAsync(this SfuHost host, Func<PrometheusText, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var scrape = await host.ScrapeAsync();
            if (condition(scrape))
            {
                return scrape;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for: " + what);
            await Task.Delay(50);
        }
    }

    public static double Sum(this PrometheusText scrape, string name, params (string Label, string Value)[] labels) =>
        scrape.Series(name).Where(s => labels.All(l => s[l.Label] == l.Value)).Sum(s => s.Value);
}
