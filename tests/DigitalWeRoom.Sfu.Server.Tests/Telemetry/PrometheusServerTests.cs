using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Tests.Deploy;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// A real Prometheus (Debian package, /usr/bin/prometheus) on 127.0.0.1, configured from
/// deploy/prometheus/prometheus.yml with the target pointed at the test server, scrapes the running
/// SFU; its HTTP API must report the target up and return samples of our series.
/// </summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class PrometheusServerTests
{
    private const string PrometheusBinary = "/usr/bin/prometheus";

    [Fact]
    public async Task Prometheus_scrapes_the_sfu_and_answers_queries_on_its_series()
    {
        Assert.True(File.Exists(PrometheusBinary), "prometheus is not installed (test.sh installs the Debian package)");
        await using var sfu = TelemetryHost.Start();
        var node = sfu.NodeId();
        await using var alice = await sfu.ConnectAsync();
        await alice.JoinAsync("prom-room", "alice");

        var dir = Directory.CreateTempSubdirectory("dwr-prometheus-");
        var port = FreeTcpPort();
        var config = Path.Combine(dir.FullName, "prometheus.yml");
        // This server has no keys (loopback callers may scrape): the credential file only has to exist.
        var credentials = Path.Combine(dir.FullName, "sfu-admin-key");
        File.WriteAllText(credentials, "unused-without-keys");
        File.WriteAllText(config, ConfigFor(sfu.BaseUri.Authority, $"127.0.0.1:{port}", credentials));
        using var prometheus = Process.Start(new ProcessStartInfo(PrometheusBinary)
        {
            ArgumentList =
            {
                "--config.file=" + config,
                $"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.path=" + Path.Combine(dir.FullName, "data"),
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var log = new System.Text.StringBuilder();
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginOutputReadLine();
        prometheus.BeginErrorReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };

            // 1. The SFU target is up.
            var target = await EventuallyAsync(async () =>
            {
                var targets = await api.GetFromJsonAsync<JsonElement>("/api/v1/targets");
                return targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                    .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == "sfu")
                    .Select(t => (JsonElement?)t)
                    .FirstOrDefault(t => t!.Value.GetProperty("health").GetString() == "up");
            }, "sfu target up", () => log.ToString());
            Assert.Equal(sfu.BaseUri.Authority, target.GetProperty("labels").GetProperty("instance").GetString());
            Assert.Equal(sfu.BaseUri.Authority, target.GetProperty("discoveredLabels").GetProperty("__address__").GetString());

            // 2. Our series have samples, with the constant labels, and show the live room.
            var participants = await EventuallyAsync(async () =>
            {
                var result = await QueryAsync(api, $"sum(sfu_participants{{node_id=\"{node}\",region=\"{TelemetryHost.Region}\"}})");
                return result.Length == 1 && Value(result[0]) >= 1 ? (double?)Value(result[0]) : null;
            }, "sfu_participants sample", () => log.ToString());
            Assert.Equal(1, participants);

            var drops = await QueryAsync(api, $"sfu_packets_dropped_total{{node_id=\"{node}\",reason=\"srtp_replay\"}}");
            var series = Assert.Single(drops).GetProperty("metric");
            Assert.Equal("sfu", series.GetProperty("job").GetString());
            Assert.Equal(TelemetryHost.Region, series.GetProperty("region").GetString());
            Assert.Equal(0, Value(drops[0]));

            var up = await QueryAsync(api, "up{job=\"sfu\"}");
            Assert.Equal(1, Value(Assert.Single(up)));

            // 3. Every query of the Grafana dashboard runs, on names this server exports.
            // The sfu_cluster_* series exist only on a node with Sfu:Cluster:Redis (this one has none): those names
            // must at least be the documented ones (docs/metrics.md), so a typo still fails.
            var scrape = await sfu.ScrapeAsync();
            var metricsDoc = File.ReadAllText(RepoPaths.Path("docs", "metrics.md"));
            foreach (var expr in DashboardQueries())
            {
                foreach (var name in System.Text.RegularExpressions.Regex.Matches(expr, @"\bsfu_[a-z_]+").Select(m => m.Value))
                {
                    if (name.StartsWith("sfu_cluster_", StringComparison.Ordinal))
                    {
                        Assert.True(metricsDoc.Contains($"`{name}", StringComparison.Ordinal), $"dashboard query uses {name}, which docs/metrics.md does not list: {expr}");
                        continue;
                    }

                    var family = System.Text.RegularExpressions.Regex.Replace(name, "_(bucket|count|sum)$", "");
                    Assert.True(scrape.TypeOf.ContainsKey(family) || scrape.TypeOf.ContainsKey(name) || HistogramsWithoutSamples.Contains(family),
                        $"dashboard query uses {name}, which /metrics does not export: {expr}");
                }

                var promql = expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$node", ".*", StringComparison.Ordinal);
                await QueryAsync(api, promql);
            }
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill(entireProcessTree: true);
                await prometheus.WaitForExitAsync();
            }

            dir.Delete(recursive: true);
        }
    }

    /// <summary>Histograms that have no series until their first measurement (none in this test).</summary>
    private static readonly HashSet<string> HistogramsWithoutSamples =
        ["sfu_rtt_seconds", "sfu_forward_latency_seconds", "sfu_mode_switch_duration_seconds"];

    private static IEnumerable<string> DashboardQueries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(RepoPaths.Path("deploy", "grafana", "dashboards", "sfu.json")));
        return doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToArray();
    }

    /// <summary>
    /// deploy/prometheus/prometheus.yml with a 1 s interval, the test addresses in place of the deployment's and the
    /// sfu job's <c>credentials_file</c> at <paramref name="credentialsFile"/>.
    /// </summary>
    internal static string ConfigFor(string sfuAddress, string prometheusAddress, string credentialsFile)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(RepoPaths.Path("deploy", "prometheus", "prometheus.yml"))))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var global = (YamlMappingNode)root["global"];
        global.Children[new YamlScalarNode("scrape_interval")] = new YamlScalarNode("1s");
        foreach (var job in ((YamlSequenceNode)root["scrape_configs"]).Children.Cast<YamlMappingNode>())
        {
            var name = ((YamlScalarNode)job["job_name"]).Value;
            if (name == "sfu")
            {
                var authorization = (YamlMappingNode)job["authorization"];
                authorization.Children[new YamlScalarNode("credentials_file")] = new YamlScalarNode(credentialsFile);
            }

            foreach (var staticConfig in ((YamlSequenceNode)job["static_configs"]).Children.Cast<YamlMappingNode>())
            {
                staticConfig.Children[new YamlScalarNode("targets")] = new YamlSequenceNode(new YamlScalarNode(name == "sfu" ? sfuAddress : prometheusAddress));
            }
        }

        using var writer = new StringWriter();
        yaml.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static async Task<JsonElement[]> QueryAsync(HttpClient api, string query)
    {
        var response = await api.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(query));
        Assert.Equal("success", response.GetProperty("status").GetString());
        return [.. response.GetProperty("data").GetProperty("result").EnumerateArray()];
    }

    private static double Value(JsonElement sample) =>
        double.Parse(sample.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, Func<string> log)
        where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; prometheus log:\n{log()}");
            await Task.Delay(250);
        }
    }

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
