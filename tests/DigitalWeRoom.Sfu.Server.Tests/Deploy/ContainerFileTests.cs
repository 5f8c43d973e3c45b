using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// No container engine runs here, so the container files are checked without building: the Dockerfile by rules
/// (hadolint is not obtainable from the registries here: not in Debian, npm or a reachable PyPI), compose, zinit,
/// Kubernetes and Grafana provisioning files parsed as YAML with YamlDotNet, the Prometheus config with promtool
/// when installed (test.sh installs the prometheus package), and the dashboard's queries parsed as PromQL by promtool.
/// </summary>
public sealed partial class ContainerFileTests
{
    private static string Dockerfile => File.ReadAllText(RepoPaths.Path("deploy", "docker", "Dockerfile"));

    [Fact]
    public void Dockerfile_is_multi_stage_with_pinned_bases()
    {
        var froms = FromLine().Matches(Dockerfile).Select(m => (Image: m.Groups[1].Value, Stage: m.Groups[2].Value)).ToArray();
        Assert.True(froms.Length >= 2, "multi-stage build expected");
        Assert.Equal("runtime", froms[^1].Stage); // the default target is the last stage
        foreach (var (image, _) in froms)
        {
            Assert.Contains(":", image, StringComparison.Ordinal);
            Assert.DoesNotContain(":latest", image, StringComparison.Ordinal);
        }

        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", froms[0].Image, StringComparison.Ordinal);
        // Native AOT: the images hold a native executable on runtime-deps (no .NET runtime, no JIT).
        Assert.All(froms.Skip(1), f => Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:", f.Image, StringComparison.Ordinal));
        Assert.Contains("COPY --from=build", RuntimeStage(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_stage_publishes_native_aot_for_the_build_machine_with_its_linker()
    {
        var build = Joined(Dockerfile[Dockerfile.IndexOf("\nFROM ", StringComparison.Ordinal)..Dockerfile.IndexOf(" AS tfgrid", StringComparison.Ordinal)]);
        var publish = build.Split('\n').Single(l => l.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("-p:PublishAot=true", publish, StringComparison.Ordinal);
        Assert.Contains("--use-current-runtime", publish, StringComparison.Ordinal);
        Assert.Contains("-c Release", publish, StringComparison.Ordinal);
        Assert.Contains("-o /app", publish, StringComparison.Ordinal);
        Assert.DoesNotContain("UseAppHost=false", publish, StringComparison.Ordinal);
        // The ILCompiler links with clang and zlib; both are installed before the publish.
        Assert.Matches(@"apt-get install[^\n]*\bclang zlib1g-dev\b", build);
        Assert.True(build.IndexOf("clang zlib1g-dev", StringComparison.Ordinal) < build.IndexOf("dotnet publish", StringComparison.Ordinal));
    }

    [Fact]
    public void Runtime_stage_runs_as_non_root_exposes_ports_and_checks_readiness()
    {
        var runtime = RuntimeStage();
        var user = Assert.Single(Instruction("USER").Matches(runtime)).Groups[1].Value.Trim();
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);

        var exposed = string.Join(' ', Instruction("EXPOSE").Matches(runtime).Select(m => m.Groups[1].Value));
        Assert.Contains("7880/tcp", exposed, StringComparison.Ordinal);
        Assert.Contains("7882/udp", exposed, StringComparison.Ordinal);

        var health = Joined(runtime).Split('\n').Single(l => l.StartsWith("HEALTHCHECK", StringComparison.Ordinal));
        Assert.Contains("/healthz/ready", health, StringComparison.Ordinal);
        Assert.Contains("CMD", health, StringComparison.Ordinal);
        // The probe is the server's own subcommand: no curl/wget in the image.
        Assert.Contains("\"deploy\", \"healthcheck\"", health, StringComparison.Ordinal);

        Assert.Equal("SIGTERM", Assert.Single(Instruction("STOPSIGNAL").Matches(runtime)).Groups[1].Value.Trim());
        Assert.Matches("ENTRYPOINT \\[\"/app/DigitalWeRoom.Sfu.Server\"\\]", runtime);
        // No secret is baked into the image.
        Assert.DoesNotMatch("(?i)(api_?secret|password)\\s*=", Dockerfile);
    }

    [Fact]
    public void Image_commands_name_the_native_executable_the_build_produces()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var bin = RepoPaths.Path("src", "DigitalWeRoom.Sfu.Server", "bin", configuration, "net10.0");
        var commands = Dockerfile + File.ReadAllText(RepoPaths.Path("deploy", "docker", "compose.yaml"))
            + string.Concat(Directory.GetFiles(RepoPaths.Path("deploy", "tfgrid", "zinit")).Select(File.ReadAllText))
            + File.ReadAllText(RepoPaths.Path("deploy", "tfgrid", "scripts", "sfu-start"));
        var named = AppFile().Matches(commands).Select(m => m.Groups[1].Value).Where(n => n != "theme").Distinct().ToArray();
        Assert.Equal(["DigitalWeRoom.Sfu.Server"], named);
        // The build's apphost has the name the Native AOT publish gives the executable (the assembly name).
        Assert.True(File.Exists(Path.Combine(bin, named[0])), $"{named[0]} not in {bin}");
        // Nothing starts the server through a dotnet host: the images have none.
        Assert.DoesNotMatch(@"\bdotnet\b[^\n]*/app/", commands);
    }

    [Fact]
    public void Grid_stage_boots_zinit_and_copies_the_service_files()
    {
        Assert.Contains(" AS tfgrid", Dockerfile, StringComparison.Ordinal);
        Assert.Contains("/sbin/zinit", Dockerfile, StringComparison.Ordinal);
        Assert.Contains("COPY deploy/tfgrid/zinit/*.yaml /etc/zinit/", Dockerfile, StringComparison.Ordinal);
        foreach (var source in CopySources().Matches(Dockerfile).Select(m => m.Groups[1].Value))
        {
            var path = RepoPaths.Path(source.TrimEnd('/').Replace("/*.yaml", "", StringComparison.Ordinal));
            Assert.True(File.Exists(path) || Directory.Exists(path), $"COPY source {source} does not exist");
        }
    }

    [Fact]
    public void Zinit_services_parse_and_reference_existing_scripts()
    {
        var dir = RepoPaths.Path("deploy", "tfgrid", "zinit");
        var services = Directory.GetFiles(dir, "*.yaml").ToDictionary(f => Path.GetFileNameWithoutExtension(f), Load);
        Assert.Equal(["coturn", "sfu", "ssh-init", "sshd", "theme", "turn-cert"], services.Keys.Order());
        foreach (var (name, service) in services)
        {
            var exec = Scalar(service, "exec");
            var script = exec.Split(' ')[0];
            Assert.StartsWith("/usr/local/bin/", script, StringComparison.Ordinal);
            var source = RepoPaths.Path("deploy", "tfgrid", "scripts", Path.GetFileName(script));
            Assert.True(File.Exists(source), $"{name}: {source} missing");
            Assert.StartsWith("#!/bin/sh", File.ReadAllText(source), StringComparison.Ordinal);
            if (service.Children.TryGetValue(new YamlScalarNode("after"), out var after))
            {
                foreach (var dependency in ((YamlSequenceNode)after).Children)
                {
                    Assert.Contains(((YamlScalarNode)dependency).Value!, services.Keys);
                }
            }
        }

        Assert.Equal("true", Scalar(services["ssh-init"], "oneshot"));
        Assert.Equal("true", Scalar(services["theme"], "oneshot"));
        Assert.Contains("SSH_KEY", File.ReadAllText(RepoPaths.Path("deploy", "tfgrid", "scripts", "sshd-run")), StringComparison.Ordinal);
        Assert.Contains("/healthz/ready", Scalar(services["sfu"], "test"), StringComparison.Ordinal);
        // turn-cert runs lego (ACME TLS-ALPN-01) and openssl (expiry check): the grid image installs both.
        var turnCert = File.ReadAllText(RepoPaths.Path("deploy", "tfgrid", "scripts", "turn-cert"));
        Assert.Contains("lego --accept-tos", turnCert, StringComparison.Ordinal);
        Assert.Contains("--tls --tls.port", turnCert, StringComparison.Ordinal);
        Assert.Matches(@"apt-get install[^\n]*\blego openssl\b", Dockerfile);
    }

    [Fact]
    public void Shell_scripts_pass_sh_syntax_check()
    {
        foreach (var script in Directory.GetFiles(RepoPaths.Path("deploy", "tfgrid", "scripts")))
        {
            var (code, output) = Run("sh", "-n", script);
            Assert.True(code == 0, $"{script}: {output}");
        }
    }

    [Fact]
    public void Compose_runs_the_sfu_on_the_host_network_with_prometheus_and_grafana()
    {
        var compose = Load(RepoPaths.Path("deploy", "docker", "compose.yaml"));
        var services = (YamlMappingNode)compose["services"];
        var names = services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToArray();
        Assert.Equal(["sfu", "prometheus", "grafana", "coturn", "turn-cert"], names);

        var sfu = (YamlMappingNode)services["sfu"];
        Assert.Equal("host", Scalar(sfu, "network_mode"));
        Assert.Equal("SIGTERM", Scalar(sfu, "stop_signal"));
        var build = (YamlMappingNode)sfu["build"];
        Assert.Equal("deploy/docker/Dockerfile", Scalar(build, "dockerfile"));
        Assert.True(File.Exists(Path.Combine(RepoPaths.Path("deploy", "docker"), Scalar(build, "context"), Scalar(build, "dockerfile"))));
        var test = string.Join(' ', ((YamlSequenceNode)((YamlMappingNode)sfu["healthcheck"])["test"]).Children.Select(c => ((YamlScalarNode)c).Value));
        Assert.Contains("/healthz/ready", test, StringComparison.Ordinal);

        foreach (var name in names)
        {
            var service = (YamlMappingNode)services[name];
            if (service.Children.TryGetValue(new YamlScalarNode("image"), out var image))
            {
                Assert.DoesNotContain(":latest", ((YamlScalarNode)image).Value!, StringComparison.Ordinal);
            }

            if (service.Children.TryGetValue(new YamlScalarNode("volumes"), out var volumes))
            {
                foreach (var volume in ((YamlSequenceNode)volumes).Children.Select(v => ((YamlScalarNode)v).Value!))
                {
                    var source = volume.Split(':')[0];
                    if (source.StartsWith('.'))
                    {
                        var path = Path.GetFullPath(Path.Combine(RepoPaths.Path("deploy", "docker"), source));
                        Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: volume source {source} missing");
                    }
                }
            }
        }

        var coturn = (YamlMappingNode)services["coturn"];
        Assert.Equal("turn", ((YamlScalarNode)((YamlSequenceNode)coturn["profiles"]).Children[0]).Value);
    }

    [Fact]
    public void Kubernetes_manifest_is_a_host_network_daemonset_with_readiness_and_drain_time()
    {
        using var reader = new StreamReader(RepoPaths.Path("deploy", "k8s", "sfu.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        var docs = stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToArray();
        var daemonSet = Assert.Single(docs, d => Scalar(d, "kind") == "DaemonSet");
        var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)daemonSet["spec"])["template"])["spec"];
        Assert.Equal("true", Scalar(pod, "hostNetwork"));
        Assert.True(int.Parse(Scalar(pod, "terminationGracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture) >= 30);
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        var probe = (YamlMappingNode)((YamlMappingNode)container["readinessProbe"])["httpGet"];
        Assert.Equal("/healthz/ready", Scalar(probe, "path"));
        Assert.Equal("7880", Scalar(probe, "port"));
        var ports = ((YamlSequenceNode)container["ports"]).Children.Cast<YamlMappingNode>()
            .Select(p => Scalar(p, "containerPort") + "/" + Scalar(p, "protocol")).ToArray();
        Assert.Equal(["7880/TCP", "7882/UDP"], ports);
    }

    [Fact]
    public void Prometheus_scrapes_metrics_on_the_http_port()
    {
        var path = RepoPaths.Path("deploy", "prometheus", "prometheus.yml");
        var config = Load(path);
        var sfu = ((YamlSequenceNode)config["scrape_configs"]).Children.Cast<YamlMappingNode>().Single(j => Scalar(j, "job_name") == "sfu");
        Assert.Equal("/metrics", Scalar(sfu, "metrics_path"));
        var targets = (YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)sfu["static_configs"]).Children[0])["targets"];
        Assert.Equal("127.0.0.1:7880", ((YamlScalarNode)targets.Children[0]).Value);

        if (File.Exists("/usr/bin/promtool"))
        {
            // --syntax-only: the credentials file exists only where compose mounts it (ComposeMonitoringBootTests boots that).
            var (code, output) = Run("promtool", "check", "config", "--syntax-only", path);
            Assert.True(code == 0, output);
        }
    }

    [Fact]
    public void Grafana_dashboard_queries_use_the_planned_metric_names_and_parse_as_promql()
    {
        var path = RepoPaths.Path("deploy", "grafana", "dashboards", "sfu.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var exprs = doc.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(p => p.GetProperty("targets").EnumerateArray()).Select(t => t.GetProperty("expr").GetString()!).ToArray();
        foreach (var metric in new[] { "sfu_rooms", "sfu_participants", "sfu_packets_total", "sfu_bytes_total",
                     "sfu_packets_dropped_total", "sfu_mode_switches_total", "sfu_packet_loss_ratio", "sfu_rtt_seconds" })
        {
            Assert.Contains(exprs, e => e.Contains(metric, StringComparison.Ordinal));
        }

        Assert.Contains(exprs, e => e.Contains("by (mode)", StringComparison.Ordinal));
        Assert.Contains(exprs, e => e.Contains("by (reason)", StringComparison.Ordinal));

        // Provisioning points Grafana at this folder and at a Prometheus datasource with the uid the panels use.
        var provider = Load(RepoPaths.Path("deploy", "grafana", "provisioning", "dashboards", "sfu.yaml"));
        Assert.Equal("file", Scalar((YamlMappingNode)((YamlSequenceNode)provider["providers"]).Children[0], "type"));
        var datasource = (YamlMappingNode)((YamlSequenceNode)Load(RepoPaths.Path("deploy", "grafana", "provisioning", "datasources", "prometheus.yaml"))["datasources"]).Children[0];
        Assert.Equal("prometheus", Scalar(datasource, "uid"));

        if (File.Exists("/usr/bin/promtool"))
        {
            // promtool parses PromQL in rule files; Grafana's $variables are replaced by what Grafana would send.
            var rules = "groups:\n  - name: dashboard\n    rules:\n" + string.Concat(exprs.Select((e, i) =>
                $"      - record: dashboard:expr{i}\n        expr: '{e.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$node", ".*", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal)}'\n"));
            var file = Path.Combine(Path.GetTempPath(), $"dwr-dashboard-{Environment.ProcessId}.rules.yml");
            File.WriteAllText(file, rules);
            try
            {
                var (code, output) = Run("promtool", "check", "rules", file);
                Assert.True(code == 0, output);
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    private static string RuntimeStage() => Dockerfile[Dockerfile.LastIndexOf("\nFROM ", StringComparison.Ordinal)..];

    /// <summary>Joins backslash-continued lines so each instruction is one line.</summary>
    private static string Joined(string text) => ContinuationRegex().Replace(text, " ");

    private static Regex Instruction(string name) => new($"^{name}\\s+(.+)$", RegexOptions.Multiline);

    private static YamlMappingNode Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", RegexOptions.Multiline)]
    private static partial Regex FromLine();

    [GeneratedRegex(@"^COPY\s+(?:--chmod=\S+\s+)?(deploy/\S+|src/|global\.json)", RegexOptions.Multiline)]
    private static partial Regex CopySources();

    [GeneratedRegex(@"/app/([A-Za-z0-9.]+)")]
    private static partial Regex AppFile();

    [GeneratedRegex(@"\\\n\s*")]
    private static partial Regex ContinuationRegex();
}
