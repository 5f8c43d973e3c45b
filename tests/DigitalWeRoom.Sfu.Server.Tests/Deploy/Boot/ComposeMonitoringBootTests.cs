using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// deploy/docker/compose.yaml's <c>sfu</c> and <c>prometheus</c> booted as compose runs them on one host
/// (network_mode host: one namespace): the compose file always sets SFU_ADMIN_KEY, so /metrics answers 401 to a
/// scrape without it. Prometheus, started from the service's command, mounts and configs, must report the sfu target
/// up and hold samples of our series: the key reaches it through the compose file alone.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ComposeMonitoringBootTests
{
    [Fact]
    public async Task Compose_prometheus_scrapes_the_compose_sfu_that_requires_the_admin_key()
    {
        Assert.True(File.Exists("/usr/bin/prometheus"), "prometheus is not installed (test.sh installs the Debian package)");
        var shell = new Dictionary<string, string> { ["SFU_ADMIN_KEY"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)) };
        var work = Directory.CreateTempSubdirectory("dwr-compose-prom-");
        try
        {
            File.SetUnixFileMode(work.FullName, (UnixFileMode)0x1FF);
            var prometheusService = ComposePrometheus.Read(shell, Path.Combine(work.FullName, "volumes"));
            foreach (var folder in prometheusService.Folders.Values)
            {
                File.SetUnixFileMode(folder, (UnixFileMode)0x1FF);
            }

            using var ns = new BootNamespace();
            using var sfu = DeploymentBootTests.StartContainer(ns, ContainerArtifacts.Compose(shell));
            await sfu.WaitReadyAsync(new Uri("http://127.0.0.1:7880/healthz/ready"), TimeSpan.FromSeconds(60));
            using var client = ns.HttpClient();
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("http://127.0.0.1:7880/metrics"))).StatusCode);

            using var prometheus = new BootedServer(ns, prometheusService.Command(Path.Combine(work.FullName, "staged")),
                new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" }, "/");
            var deadline = DateTime.UtcNow.AddSeconds(45);
            string health = "", lastError = "";
            while (DateTime.UtcNow < deadline && health != "up")
            {
                await Task.Delay(500);
                try
                {
                    var targets = await client.GetFromJsonAsync<JsonElement>("http://127.0.0.1:9090/api/v1/targets");
                    foreach (var t in targets.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                                 .Where(t => t.GetProperty("labels").GetProperty("job").GetString() == "sfu"))
                    {
                        health = t.GetProperty("health").GetString()!;
                        lastError = t.GetProperty("lastError").GetString()!;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }

            Assert.True(health == "up", $"sfu target health '{health}', last error '{lastError}'; prometheus:\n{prometheus.Output}");
            var query = await client.GetFromJsonAsync<JsonElement>("http://127.0.0.1:9090/api/v1/query?query=" + Uri.EscapeDataString("sfu_rooms"));
            Assert.NotEmpty(query.GetProperty("data").GetProperty("result").EnumerateArray());
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }
}
