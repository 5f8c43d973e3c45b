using System.Net;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Tests.Turn;
using DigitalWeRoom.Sfu.Server.Turn;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// The TURN relay as each deployment runs it (issue #14 item 2), booted, not linted: the real coturn
/// (<c>turnserver</c>, Debian; test.sh installs it) with exactly the arguments the artifact gives, in a namespace
/// of its own that has the grid VM's addresses (<see cref="BootNamespace"/>) and a public interface: compose.yaml's <c>coturn</c> command with
/// the operator's variables interpolated, and the grid's zinit <c>coturn</c> service (coturn-start) with the
/// environment main.tf gives the VM. Then, over TURN/TCP: a credential minted by the server's own code with the
/// secret the SFU gets from the same artifact allocates a relay; CreatePermission toward an internal network (RFC 1918,
/// link-local metadata, loopback) is refused with 403; toward the SFU's own private address and a public address it
/// is granted; an expired credential is refused with 401.
/// </summary>
public sealed class CoturnBootTests
{
    private static readonly IPAddress SfuAddress = BootNamespace.PrivateAddress;

    /// <summary>The host's public interface (TEST-NET-3, RFC 5737): where coturn relays from.</summary>
    private const string PublicInterface = "203.0.113.2/24";

    [Fact]
    public async Task Compose_coturn_command_relays_for_the_sfus_minted_credentials_and_only_to_allowed_peers()
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var shell = new Dictionary<string, string>
        {
            ["TURN_SECRET"] = secret,
            ["SFU_MEDIA_IP"] = SfuAddress.ToString(),
            ["TURN_URL_UDP"] = $"turn:{SfuAddress}:3478?transport=udp",
            ["SFU_ADMIN_KEY"] = "admin-key-0123456789abcdef0123456789",
        };
        var sfu = ContainerArtifacts.Compose(shell).Environment;
        Assert.Equal(secret, sfu["Sfu__Turn__Secret"]);

        // The coturn image's entrypoint runs turnserver with the service's command as its arguments.
        var command = ContainerArtifacts.ComposeServiceCommand("coturn", shell);
        using var ns = new BootNamespace();
        ns.AddPublicInterface(PublicInterface);
        using var coturn = new BootedServer(ns, ["turnserver", .. command], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, "/");
        await CheckRelayPolicyAsync(ns, coturn, new TurnSettings { Urls = [sfu["Sfu__Turn__Urls__0"]], Secret = sfu["Sfu__Turn__Secret"] });
    }

    [Fact]
    public async Task Grid_coturn_start_with_main_tf_env_vars_relays_for_the_sfus_minted_credentials_and_only_to_allowed_peers()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the grid VM runs Linux");
        }

        var (vm, _) = GridEnvironment.VmEnvironment(RepoPaths.DeployTests("Golden", "small", "terraform.tfvars"));
        var environment = new Dictionary<string, string>(vm) { ["PATH"] = DockerfileStage.BaseImageEnvironment["PATH"] };
        var (_, script) = DeploymentBootTests.ZinitService("coturn");

        using var ns = new BootNamespace();
        ns.AddPublicInterface(PublicInterface);
        using var coturn = new BootedServer(ns, ["/bin/sh", script], environment, "/");
        // sfu-start hands the server the same TURN_SECRET (DeploymentBootTests reads it from the booted server).
        await CheckRelayPolicyAsync(ns, coturn, new TurnSettings { Urls = [$"turn:{SfuAddress}:3478?transport=udp"], Secret = vm["TURN_SECRET"] });

        // coturn-start's relay gave up root after binding its ports (--proc-user), and holds no other service's secret.
        var passwd = File.ReadAllLines("/etc/passwd").Single(l => l.StartsWith("turnserver:", StringComparison.Ordinal)).Split(':');
        Assert.Equal(int.Parse(passwd[2], System.Globalization.CultureInfo.InvariantCulture), coturn.Identity().Uid);
        var env = coturn.Environment();
        Assert.DoesNotContain("SFU_API_SECRET", env.Keys);
        Assert.DoesNotContain("TURN_SECRET", env.Keys);
    }

    private static async Task CheckRelayPolicyAsync(BootNamespace ns, BootedServer coturn, TurnSettings sfuTurn)
    {
        var listener = new IPEndPoint(IPAddress.Loopback, 3478);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await ns.AcceptsAsync(listener))
        {
            Assert.True(DateTime.UtcNow < deadline, "coturn did not listen on TCP 3478:\n" + coturn.Output);
            await Task.Delay(200);
        }

        var minted = new TurnRestCredentials(sfuTurn, TimeProvider.System).Mint();
        using (var client = new TurnTestClient(await ns.ConnectAsync(listener), minted.Username!, minted.Credential!))
        {
            Assert.True(await client.AllocateAsync() == 0, "coturn refused the SFU's minted credential:\n" + coturn.Output);
            foreach (var denied in new[] { "10.20.3.1", "192.168.1.10", "172.16.5.5", "100.64.0.1", "169.254.169.254", "127.0.0.1" })
            {
                Assert.True(await client.CreatePermissionAsync(IPAddress.Parse(denied)) == 403, $"a permission toward {denied} was not refused with 403");
            }

            Assert.Equal(0, await client.CreatePermissionAsync(SfuAddress));
            Assert.Equal(0, await client.CreatePermissionAsync(IPAddress.Parse("203.0.113.7")));
        }

        var (expiredUser, expiredPassword) = TurnRestCredentials.Compute(sfuTurn.Secret!, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(), "pexpired");
        using var expired = new TurnTestClient(await ns.ConnectAsync(listener), expiredUser, expiredPassword);
        Assert.Equal(401, await expired.AllocateAsync());
    }
}
