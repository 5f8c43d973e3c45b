using System.Text.Json;
using System.Text.RegularExpressions;
using DigitalWeRoom.Sfu.Server.Deploy;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// deploy/tfgrid/*.tf read with HashiCorp's HCL parser: they parse, declare every wizard field with a validation,
/// reference only declared variables, and agree with <see cref="DeployCatalog"/>.
/// </summary>
public sealed partial class TerraformFileTests
{
    private static readonly string[] WizardFields = ["name", "size", "location", "domain", "ssh_key", "git_url", "who_may_join"];

    // One node run for all tests of the class: starting the WebAssembly parser takes seconds on a busy machine.
    private static readonly Lazy<Dictionary<string, JsonElement>> Parsed = new(() =>
        HclReader.ParseAll([.. TfGridBundle.TerraformFiles.Select(f => RepoPaths.Path("deploy", "tfgrid", f))])
            .ToDictionary(kv => Path.GetFileName(kv.Key), kv => kv.Value));

    private static Dictionary<string, JsonElement> Files() => Parsed.Value;

    [Fact]
    public void Parser_rejects_broken_hcl()
    {
        // Guards the guard: an unbalanced block and an unterminated string must fail to parse.
        Assert.Throws<HclParseException>(() => HclReader.ParseText("variable \"x\" {\n  type = string\n"));
        Assert.Throws<HclParseException>(() => HclReader.ParseText("x = \"abc\n"));
    }

    [Fact]
    public void Every_wizard_field_is_a_validated_variable()
    {
        var variables = Files()["variables.tf"].GetProperty("variable");
        foreach (var field in WizardFields)
        {
            Assert.True(variables.TryGetProperty(field, out var decl), $"variable {field} missing");
            var validation = decl[0].GetProperty("validation")[0];
            Assert.Contains("var." + field, validation.GetProperty("condition").GetString(), StringComparison.Ordinal);
            Assert.StartsWith(field + ":", validation.GetProperty("error_message").GetString(), StringComparison.Ordinal);
        }

        // Optional fields default to empty; required ones have no default.
        Assert.Equal("", variables.GetProperty("ssh_key")[0].GetProperty("default").GetString());
        Assert.Equal("", variables.GetProperty("git_url")[0].GetProperty("default").GetString());
        Assert.Equal(DeployCatalog.DefaultWhoMayJoin, variables.GetProperty("who_may_join")[0].GetProperty("default").GetString());
        foreach (var required in new[] { "name", "size", "location", "domain" })
        {
            Assert.False(variables.GetProperty(required)[0].TryGetProperty("default", out _), required);
        }
    }

    [Fact]
    public void Validations_use_the_same_lists_and_pattern_as_the_server()
    {
        var variables = Files()["variables.tf"].GetProperty("variable");
        string Condition(string v) => variables.GetProperty(v)[0].GetProperty("validation")[0].GetProperty("condition").GetString()!;

        Assert.Contains(DeployCatalog.NamePattern, Condition("name").Replace("\\\\", "\\", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(DeployCatalog.Sizes.Select(s => s.Name), QuotedList(Condition("size")));
        Assert.Equal(DeployCatalog.Locations.Select(l => l.Key), QuotedList(Condition("location")));
        Assert.Equal(DeployCatalog.Domains, QuotedList(Condition("domain")));
        Assert.Equal(DeployCatalog.WhoMayJoin.Select(w => w.Key), QuotedList(Condition("who_may_join")));
        foreach (var type in DeployCatalog.SshKeyTypes)
        {
            Assert.Contains(type, Condition("ssh_key"), StringComparison.Ordinal);
        }

        var farms = variables.GetProperty("farm_ids")[0].GetProperty("default");
        Assert.Equal(DeployCatalog.Locations.Select(l => l.Key).Order(), farms.EnumerateObject().Select(p => p.Name).Order());
        var gateways = variables.GetProperty("domain_gateway_nodes")[0].GetProperty("default");
        Assert.Equal(DeployCatalog.Domains.Order(), gateways.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void Size_table_matches_the_catalog()
    {
        var sizes = Files()["main.tf"].GetProperty("locals")[0].GetProperty("sizes");
        // hcl2json sorts object keys, so compare as sets.
        Assert.Equal(DeployCatalog.Sizes.Select(s => s.Name).Order(), sizes.EnumerateObject().Select(p => p.Name).Order());
        foreach (var size in DeployCatalog.Sizes)
        {
            var row = sizes.GetProperty(size.Name);
            Assert.Equal(size.Cpu, row.GetProperty("cpu").GetInt32());
            Assert.Equal(size.MemoryMb, row.GetProperty("memory_mb").GetInt32());
            Assert.Equal(size.RootfsMb, row.GetProperty("rootfs_mb").GetInt32());
            Assert.Equal(size.MaxRooms, row.GetProperty("max_rooms").GetInt32());
            Assert.Equal(size.MaxParticipantsPerRoom, row.GetProperty("max_participants_per_room").GetInt32());
        }
    }

    [Fact]
    public void Vm_uses_public_ipv6_zinit_and_carries_the_settings()
    {
        var main = Files()["main.tf"];
        var deployment = main.GetProperty("resource").GetProperty("grid_deployment").GetProperty("sfu")[0];
        var vm = deployment.GetProperty("vms")[0];
        Assert.True(vm.GetProperty("publicip6").GetBoolean());
        Assert.False(vm.GetProperty("planetary").GetBoolean());
        Assert.Equal("/sbin/zinit init", vm.GetProperty("entrypoint").GetString());
        var env = vm.GetProperty("env_vars").EnumerateObject().Select(p => p.Name).ToArray();
        foreach (var name in new[] { "PUBLIC_URL", "DISPLAY_NAME", "SSH_KEY", "GIT_URL", "MAX_ROOMS",
                     "MAX_PARTICIPANTS_PER_ROOM", "SFU_API_KEY", "SFU_API_SECRET" })
        {
            Assert.Contains(name, env);
        }

        Assert.Contains("random_password.api_secret.result", vm.GetProperty("env_vars").GetProperty("SFU_API_SECRET").GetString(), StringComparison.Ordinal);

        var resources = main.GetProperty("resource");
        Assert.True(resources.TryGetProperty("grid_network", out _));
        Assert.True(resources.TryGetProperty("grid_scheduler", out var sched));
        Assert.Contains("local.farm_id", sched.GetProperty("sched")[0].GetProperty("requests")[0].GetProperty("farm_id").GetString(), StringComparison.Ordinal);

        // The gateway forwards HTTP to the VM's address in the deployment's private network (WireGuard), never to
        // the public IPv6 (plain HTTP across the internet) nor to an overlay (ygg_ip/mycelium_ip) address; the
        // gateway node is in that network, and the network is the trusted proxy.
        var proxy = resources.GetProperty("grid_name_proxy").GetProperty("web")[0];
        var backend = proxy.GetProperty("backends").GetRawText();
        Assert.Contains("grid_deployment.sfu.vms[0].ip,", backend, StringComparison.Ordinal);
        Assert.DoesNotContain("computedip6", backend, StringComparison.Ordinal);
        Assert.DoesNotContain("ygg_ip", backend, StringComparison.Ordinal);
        Assert.DoesNotContain("mycelium", backend, StringComparison.Ordinal);
        Assert.Equal("${grid_network.net.name}", proxy.GetProperty("network").GetString());
        Assert.False(proxy.GetProperty("tls_passthrough").GetBoolean());
        var network = resources.GetProperty("grid_network").GetProperty("net")[0];
        Assert.Contains("data.grid_gateway_domain.domain.node", network.GetProperty("nodes").GetString(), StringComparison.Ordinal);
        Assert.Equal("${local.private_network}", network.GetProperty("ip_range").GetString());
        Assert.Equal("${local.private_network}", vm.GetProperty("env_vars").GetProperty("PRIVATE_NETWORK").GetString());
        Assert.Contains("[local.private_network]", vm.GetProperty("env_vars").GetProperty("TRUSTED_PROXIES").GetString(), StringComparison.Ordinal);

        var outputs = Files()["outputs.tf"].GetProperty("output");
        Assert.True(outputs.TryGetProperty("meeting_url", out _));
        Assert.Contains("computedip6", outputs.GetProperty("media_ipv6")[0].GetProperty("value").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Turn_name_passes_tls_through_to_coturn_on_the_private_address()
    {
        // deploy/tfgrid/README.md, "IPv4 participants": a second gateway name on the page's gateway node whose TLS the
        // gateway does not end (SNI passthrough) but forwards over the private network to the VM's port 443.
        var main = Files()["main.tf"];
        var resources = main.GetProperty("resource");
        var turn = resources.GetProperty("grid_name_proxy").GetProperty("turn")[0];
        Assert.True(turn.GetProperty("tls_passthrough").GetBoolean());
        Assert.Equal("${grid_network.net.name}", turn.GetProperty("network").GetString());
        Assert.Equal("${data.grid_gateway_domain.domain.node}", turn.GetProperty("node").GetString());
        Assert.Equal("${local.turn_label}", turn.GetProperty("name").GetString());
        // zos takes a passthrough backend as ip:port, without a scheme (an http:// one is refused).
        var backend = turn.GetProperty("backends").GetRawText();
        Assert.Contains("grid_deployment.sfu.vms[0].ip, local.turn_tls_port", backend, StringComparison.Ordinal);
        Assert.DoesNotContain("http", backend, StringComparison.Ordinal);
        Assert.DoesNotContain("computedip6", backend, StringComparison.Ordinal);
        var locals = main.GetProperty("locals")[0];
        Assert.Equal(443, locals.GetProperty("turn_tls_port").GetInt32());
        Assert.Equal("turn-${local.host_label}", locals.GetProperty("turn_label").GetString());
        var data = main.GetProperty("data").GetProperty("grid_gateway_domain").GetProperty("turn")[0];
        Assert.Equal("${local.turn_label}", data.GetProperty("name").GetString());

        // The VM learns its TURN name and the secret both coturn and the server use; the operator sees the URL.
        var env = resources.GetProperty("grid_deployment").GetProperty("sfu")[0].GetProperty("vms")[0].GetProperty("env_vars");
        Assert.Equal("${data.grid_gateway_domain.turn.fqdn}", env.GetProperty("TURN_FQDN").GetString());
        Assert.Equal("${random_password.turn_secret.result}", env.GetProperty("TURN_SECRET").GetString());
        Assert.False(resources.GetProperty("random_password").GetProperty("turn_secret")[0].GetProperty("special").GetBoolean());
        var output = Files()["outputs.tf"].GetProperty("output").GetProperty("turn_url")[0].GetProperty("value").GetString();
        Assert.Equal("turns:${grid_name_proxy.turn.fqdn}:${local.turn_tls_port}?transport=tcp", output);

        // The certificate service and the scripts that read these variables exist.
        Assert.True(File.Exists(RepoPaths.Path("deploy", "tfgrid", "zinit", "turn-cert.yaml")));
        var sfuStart = File.ReadAllText(RepoPaths.Path("deploy", "tfgrid", "scripts", "sfu-start"));
        Assert.Contains("Sfu__Turn__Urls__0=\"turns:${TURN_FQDN}:443?transport=tcp\"", sfuStart, StringComparison.Ordinal);
        Assert.Contains("Sfu__Udp__AlsoAnnounce__0=\"$private_ip\"", sfuStart, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_vm_environment_variable_is_used_by_a_zinit_script()
    {
        var vm = Files()["main.tf"].GetProperty("resource").GetProperty("grid_deployment").GetProperty("sfu")[0].GetProperty("vms")[0];
        var scripts = string.Concat(Directory.GetFiles(RepoPaths.Path("deploy", "tfgrid", "scripts")).Select(File.ReadAllText));
        foreach (var name in vm.GetProperty("env_vars").EnumerateObject().Select(p => p.Name))
        {
            Assert.True(scripts.Contains("${" + name, StringComparison.Ordinal), $"{name} is set by main.tf but no script reads it");
        }
    }

    [Fact]
    public void Only_declared_variables_and_locals_are_referenced()
    {
        var files = Files();
        var declared = files["variables.tf"].GetProperty("variable").EnumerateObject().Select(p => p.Name).ToHashSet();
        var locals = files["main.tf"].GetProperty("locals")[0].EnumerateObject().Select(p => p.Name).ToHashSet();
        var text = string.Join('\n', files.Values.Select(v => v.GetRawText()));

        foreach (Match m in VarReference().Matches(text))
        {
            Assert.True(declared.Contains(m.Groups[1].Value), $"var.{m.Groups[1].Value} is not declared");
        }

        foreach (Match m in LocalReference().Matches(text))
        {
            Assert.True(locals.Contains(m.Groups[1].Value), $"local.{m.Groups[1].Value} is not defined");
        }

        // And every tfvars key the wizard writes is a declared variable.
        var tfvars = HclReader.ParseText(TfGridBundle.RenderTfvars(BundleGoldenTests.Cases["mid"]), "terraform.tfvars");
        foreach (var key in tfvars.EnumerateObject())
        {
            Assert.Contains(key.Name, declared);
        }
    }

    private static string[] QuotedList(string condition) =>
        [.. QuotedString().Matches(condition.Split('[', 2)[1].Split(']', 2)[0]).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"\bvar\.([a-z_][a-z0-9_]*)")]
    private static partial Regex VarReference();

    [GeneratedRegex(@"\blocal\.([a-z_][a-z0-9_]*)")]
    private static partial Regex LocalReference();

    [GeneratedRegex("\\\\?\"([^\"\\\\]+)\\\\?\"")]
    private static partial Regex QuotedString();
}
