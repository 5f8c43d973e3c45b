using System.Net;
using System.Security.Cryptography;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// Every deployment artifact, started the way it starts the server: the published server (the image's /app), the
/// environment read from the artifact file itself, secrets the artifact takes from outside generated as it
/// describes, each boot in a network namespace of its own on the artifact's own ports. No container engine runs
/// here (deploy/README.md says what that leaves out); what the image adds is read from the Dockerfile.
/// </summary>
public sealed class DeploymentBootTests
{
    private static readonly Uri Loopback = new("http://127.0.0.1:7880/");

    [Fact]
    public async Task Dockerfile_runtime_target_boots_unprivileged_and_answers_local_operators_only()
    {
        var plan = BootPlan.FromImage("runtime");
        using var ns = new BootNamespace();
        using var server = StartContainer(ns, plan);
        await BootChecks.ServesAsUnprivilegedUserAsync(server, Loopback, BootChecks.UnprivilegedUid);
        await BootChecks.HealthCheckPassesAsync(ns, plan.HealthCheck);

        // No keys in the image: the operator API answers local callers only.
        using var local = ns.HttpClient();
        using var remote = ns.HttpClient(BootNamespace.GatewayAddress);
        var fromElsewhere = new Uri($"http://{BootNamespace.PrivateAddress}:7880/");
        Assert.Equal(HttpStatusCode.OK, (await remote.GetAsync(new Uri(fromElsewhere, "/healthz/ready"))).StatusCode);
        foreach (var path in new[] { "/api/rooms", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.OK, (await local.GetAsync(new Uri(Loopback, path))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await remote.GetAsync(new Uri(fromElsewhere, path))).StatusCode);
        }
    }

    [Fact]
    public async Task Compose_service_boots_with_its_admin_key()
    {
        var adminKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var plan = ContainerArtifacts.Compose(new Dictionary<string, string> { ["SFU_ADMIN_KEY"] = adminKey, ["GRAFANA_ADMIN_PASSWORD"] = "unused" });
        Assert.Equal(adminKey, plan.Environment["Sfu__AdminKey"]);
        using var ns = new BootNamespace();
        using var server = StartContainer(ns, plan);
        await BootChecks.ServesAsUnprivilegedUserAsync(server, Loopback, BootChecks.UnprivilegedUid);
        await BootChecks.HealthCheckPassesAsync(ns, plan.HealthCheck);
        await BootChecks.AdminKeyIsActiveAsync(server, Loopback, adminKey);
    }

    [Fact]
    public void Compose_refuses_to_start_without_the_admin_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ContainerArtifacts.Compose(new Dictionary<string, string>()));
        Assert.Contains("SFU_ADMIN_KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubernetes_daemonset_boots_with_tokens_on_as_its_run_as_user()
    {
        var plan = ContainerArtifacts.Kubernetes(out var secrets);
        using var ns = new BootNamespace();
        using var server = StartContainer(ns, plan);
        await BootChecks.ServesAsUnprivilegedUserAsync(server, Loopback, plan.Uid);
        Assert.Equal(BootChecks.UnprivilegedUid, plan.Uid);
        await BootChecks.HealthCheckPassesAsync(ns, plan.HealthCheck);
        await BootChecks.KeysAreActiveAsync(server, Loopback, secrets["api-secret"], guests: false);
    }

    [Fact]
    public async Task Grid_sfu_start_with_main_tf_env_vars_boots_secure_behind_the_private_network()
    {
        // The wizard's default answers (anyone with the link), as the small bundle's terraform.tfvars holds them.
        var (vm, grid) = GridEnvironment.VmEnvironment(RepoPaths.DeployTests("Golden", "small", "terraform.tfvars"));
        Assert.Equal("anyone_with_link", vm["WHO_MAY_JOIN"]);
        var environment = new Dictionary<string, string>(vm) { ["PATH"] = DockerfileStage.BaseImageEnvironment["PATH"] };
        await BootGridAsync(environment, grid, guests: true);
    }

    [Fact]
    public async Task Dockerfile_tfgrid_target_boots_through_zinit_sfu_start_invite_only()
    {
        // The image's ENV plus the VM's env_vars, for the large bundle (who may join: invite only).
        var (vm, grid) = GridEnvironment.VmEnvironment(RepoPaths.DeployTests("Golden", "large", "terraform.tfvars"));
        Assert.Equal("invite_only", vm["WHO_MAY_JOIN"]);
        var environment = DockerfileStage.Read("tfgrid").ImageEnvironment();
        foreach (var (key, value) in vm)
        {
            environment[key] = value;
        }

        await BootGridAsync(environment, grid, guests: false);
    }

    /// <summary>zinit's <c>sfu</c> service: its <c>exec</c> (a script the image copies to /usr/local/bin) with a recording setpriv.</summary>
    private static async Task BootGridAsync(Dictionary<string, string> environment, GridEnvironment grid, bool guests)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the grid VM runs Linux");
        }

        var (service, script) = ZinitService("sfu");

        var stub = Directory.CreateTempSubdirectory("dwr-boot-stub-");
        try
        {
            var setpriv = Path.Combine(stub.FullName, "setpriv");
            File.Copy(RepoPaths.DeployTests("Boot", "stub", "setpriv"), setpriv);
            File.SetUnixFileMode(setpriv, (UnixFileMode)0b111_101_101);
            var log = Path.Combine(stub.FullName, "setpriv.args");
            environment["PATH"] = stub.FullName + ":" + environment["PATH"];
            environment["DWR_BOOT_SETPRIV_LOG"] = log;
            environment["DWR_BOOT_APP"] = PublishedServer.AppFolder;
            environment["DWR_BOOT_UID"] = BootChecks.UnprivilegedUid.ToString(System.Globalization.CultureInfo.InvariantCulture);

            using var ns = new BootNamespace();
            using var server = new BootedServer(ns, ["/bin/sh", script], environment, "/");
            await BootChecks.ServesAsUnprivilegedUserAsync(server, Loopback, BootChecks.UnprivilegedUid);
            Assert.Equal(["--reuid=app", "--regid=app", "--init-groups", "/app/" + PublishedServer.ExecutableName], File.ReadAllLines(log));
            await BootChecks.HealthCheckPassesAsync(ns, ((YamlScalarNode)service["test"]).Value!.Split(' '));

            // Secure by default: the generated key and secret are the server's token key, and the secret itself
            // is not left in the server's environment.
            var apiKey = grid.Passwords["api_key"];
            var secret = grid.Passwords["api_secret"];
            var serverEnv = server.Environment();
            Assert.Equal(secret, serverEnv["Sfu__Auth__Keys__" + apiKey]);
            Assert.DoesNotContain("SFU_API_SECRET", serverEnv.Keys);

            // TURN: the server mints credentials with the secret the VM's coturn checks (CoturnBootTests boots it),
            // for TURN/TLS through the gateway's TURN name, then TURN/UDP and TURN/TCP on the VM's global IPv6.
            Assert.Equal(environment["TURN_SECRET"], serverEnv["Sfu__Turn__Secret"]);
            Assert.DoesNotContain("TURN_SECRET", serverEnv.Keys);
            Assert.Equal($"turns:{environment["TURN_FQDN"]}:443?transport=tcp", serverEnv["Sfu__Turn__Urls__0"]);
            Assert.Equal($"turn:[{BootNamespace.PublicIPv6}]:3478?transport=udp", serverEnv["Sfu__Turn__Urls__1"]);
            Assert.Equal($"turn:[{BootNamespace.PublicIPv6}]:3478?transport=tcp", serverEnv["Sfu__Turn__Urls__2"]);
            Assert.DoesNotContain(serverEnv.Keys, k => k.StartsWith("DWR_BOOT_", StringComparison.Ordinal));
            await BootChecks.KeysAreActiveAsync(server, Loopback, secret, guests);

            // The gateway reaches the server on the private network; it is trusted as the proxy there. Nothing
            // answers HTTP on the public IPv6, so no plain HTTP crosses the internet.
            Assert.Equal("10.20.0.0/16", serverEnv["Proxy__TrustedProxies__0"]);
            using var gateway = ns.HttpClient(BootNamespace.GatewayAddress);
            Assert.Equal(HttpStatusCode.OK, (await gateway.GetAsync(new Uri($"http://{BootNamespace.PrivateAddress}:7880/healthz/ready"))).StatusCode);
            Assert.False(await ns.AcceptsAsync(new IPEndPoint(BootNamespace.PublicIPv6, 7880)), "HTTP must not listen on the public IPv6");
        }
        finally
        {
            stub.Delete(recursive: true);
        }
    }

    /// <summary>The image's ENTRYPOINT as its USER (setpriv to the uid), in WORKDIR /app, with the image's environment.</summary>
    internal static BootedServer StartContainer(BootNamespace ns, BootPlan plan)
    {
        var app = PublishedServer.AppFolder;
        var uid = plan.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var gid = plan.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] command = ["/usr/bin/setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups",
            .. plan.Command.Select(a => a.StartsWith("/app/", StringComparison.Ordinal) ? Path.Combine(app, a[5..]) : a)];
        return new BootedServer(ns, command, plan.Environment, app);
    }

    /// <summary>zinit's service <paramref name="name"/> (deploy/tfgrid/zinit) and the script its <c>exec</c> runs, as in the repository.</summary>
    internal static (YamlMappingNode Service, string Script) ZinitService(string name)
    {
        using var reader = new StreamReader(RepoPaths.Path("deploy", "tfgrid", "zinit", name + ".yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        var service = (YamlMappingNode)stream.Documents[0].RootNode;
        var exec = ((YamlScalarNode)service["exec"]).Value!;
        Assert.StartsWith("/usr/local/bin/", exec, StringComparison.Ordinal);
        return (service, RepoPaths.Path("deploy", "tfgrid", "scripts", exec["/usr/local/bin/".Length..]));
    }
}
