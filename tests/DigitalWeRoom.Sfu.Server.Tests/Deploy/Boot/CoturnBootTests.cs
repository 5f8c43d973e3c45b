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
/// is granted; an expired credential is refused with 401. Compose's TURN/TLS: its <c>turn-cert</c> step checks the
/// operator's certificate (or makes a self-signed one for local use), and coturn accepts TLS on 5349 with it.
/// </summary>
public sealed class CoturnBootTests
{
    private static readonly IPAddress SfuAddress = BootNamespace.PrivateAddress;

    /// <summary>The host's public interface (TEST-NET-3, RFC 5737): where coturn relays from.</summary>
    private const string PublicInterface = "203.0.113.2/24";

    /// <summary>The name in TURN_URL_TLS, which the certificate names.</summary>
    private const string TurnName = "turn.meet.test";

    [Fact]
    public async Task Compose_coturn_command_relays_for_the_sfus_minted_credentials_and_only_to_allowed_peers()
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var tlsDir = Directory.CreateTempSubdirectory("dwr-boot-turn-tls-");
        var shell = new Dictionary<string, string>
        {
            ["TURN_TLS_DIR"] = tlsDir.FullName,
            ["TURN_TLS_NAME"] = TurnName,
            ["TURN_SECRET"] = secret,
            ["SFU_MEDIA_IP"] = SfuAddress.ToString(),
            ["TURN_URL_UDP"] = $"turn:{SfuAddress}:3478?transport=udp",
            ["SFU_ADMIN_KEY"] = "admin-key-0123456789abcdef0123456789",
        };
        var sfu = ContainerArtifacts.Compose(shell).Environment;
        Assert.Equal(secret, sfu["Sfu__Turn__Secret"]);

        try
        {
            // The operator put the TURN name's certificate (from a CA browsers trust; here a test CA) in TURN_TLS_DIR;
            // turn-cert checks it before coturn starts.
            using var ca = ComposeTurnCertificate.IssueInto(tlsDir.FullName, TurnName);
            var (exit, log) = ComposeTurnCertificate.Run(shell);
            Assert.True(exit == 0, "turn-cert refused the certificate: " + log);
            Assert.Contains($"using {tlsDir.FullName}/cert.pem for {TurnName}", log, StringComparison.Ordinal);
            Assert.DoesNotContain("SELF-SIGNED", log, StringComparison.Ordinal);

            // The coturn image's entrypoint runs turnserver with the service's command as its arguments; its TLS folder
            // is the same TURN_TLS_DIR (read-only).
            var command = ContainerArtifacts.MapVolumes(ContainerArtifacts.ComposeServiceCommand("coturn", shell), ContainerArtifacts.ComposeServiceVolumes("coturn", shell));
            using var ns = new BootNamespace();
            ns.AddPublicInterface(PublicInterface);
            using var coturn = new BootedServer(ns, ["turnserver", .. command], new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, "/");
            var turn = new TurnSettings { Urls = [sfu["Sfu__Turn__Urls__0"]], Secret = sfu["Sfu__Turn__Secret"] };
            await CheckRelayPolicyAsync(ns, coturn, turn);

            // TURN/TLS on 5349 (RFC 8656 §5): the handshake verifies the chain to the CA and the name, and a minted
            // credential allocates a relay over it.
            var tlsListener = new IPEndPoint(IPAddress.Loopback, 5349);
            await WaitListeningAsync(ns, coturn, tlsListener);

            var minted = new TurnRestCredentials(turn, TimeProvider.System).Mint();
            using var tls = await ComposeTurnCertificate.ConnectAsync(ns, tlsListener, ca, TurnName);
            Assert.Equal(TurnName, ((System.Security.Cryptography.X509Certificates.X509Certificate2)tls.RemoteCertificate!).GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
            using var client = new TurnTestClient(tls, minted.Username!, minted.Credential!);
            Assert.True(await client.AllocateAsync() == 0, "coturn refused an Allocate over TLS:\n" + coturn.Output);
        }
        finally
        {
            tlsDir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Compose_turn_cert_writes_a_self_signed_certificate_for_local_use_when_none_is_given_and_refuses_a_broken_one()
    {
        var tlsDir = Directory.CreateTempSubdirectory("dwr-boot-turn-tls-");
        var shell = new Dictionary<string, string> { ["TURN_TLS_DIR"] = tlsDir.FullName, ["TURN_TLS_NAME"] = TurnName };
        try
        {
            var (exit, log) = ComposeTurnCertificate.Run(shell);
            Assert.True(exit == 0, log);
            Assert.Contains($"SELF-SIGNED certificate for {TurnName}", log, StringComparison.Ordinal);
            Assert.Contains("local use only", log, StringComparison.Ordinal);
            using (var written = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(
                       Path.Combine(tlsDir.FullName, "cert.pem"), Path.Combine(tlsDir.FullName, "key.pem")))
            {
                Assert.Equal(TurnName, written.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.DnsName, false));
                Assert.True(written.NotAfter > DateTime.Now.AddDays(30));
            }

            // A second run keeps that certificate (and still says it is self-signed).
            var before = File.ReadAllText(Path.Combine(tlsDir.FullName, "cert.pem"));
            (exit, log) = ComposeTurnCertificate.Run(shell);
            Assert.True(exit == 0, log);
            Assert.Contains("SELF-SIGNED: for local use only", log, StringComparison.Ordinal);
            Assert.Equal(before, File.ReadAllText(Path.Combine(tlsDir.FullName, "cert.pem")));

            // A key that is not the certificate's: refused, so coturn does not start with it.
            using (var other = System.Security.Cryptography.ECDsa.Create())
            {
                File.WriteAllText(Path.Combine(tlsDir.FullName, "key.pem"), other.ExportPkcs8PrivateKeyPem());
            }

            (exit, log) = ComposeTurnCertificate.Run(shell);
            Assert.True(exit == 1, log);
            Assert.Contains("not a usable certificate and key", log, StringComparison.Ordinal);
        }
        finally
        {
            tlsDir.Delete(recursive: true);
        }
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

    private static async Task WaitListeningAsync(BootNamespace ns, BootedServer coturn, IPEndPoint listener)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await ns.AcceptsAsync(listener))
        {
            Assert.True(DateTime.UtcNow < deadline, $"coturn did not listen on TCP {listener}:\n" + coturn.Output);
            await Task.Delay(200);
        }
    }

    private static async Task CheckRelayPolicyAsync(BootNamespace ns, BootedServer coturn, TurnSettings sfuTurn)
    {
        var listener = new IPEndPoint(IPAddress.Loopback, 3478);
        await WaitListeningAsync(ns, coturn, listener);

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
