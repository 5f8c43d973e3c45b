using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// compose.yaml's TURN/TLS certificate step as the deployment runs it: the <c>turn-cert</c> service's command on the
/// image's entrypoint (the published server, <see cref="PublishedServer"/>), its <c>/tls</c> volume standing for a
/// test folder; and a test CA that issues the TURN name's certificate, as the reverse proxy's CA would.
/// </summary>
internal static class ComposeTurnCertificate
{
    /// <summary>Runs compose's <c>turn-cert</c> with <paramref name="shell"/>; returns its exit code and output.</summary>
    public static (int ExitCode, string Output) Run(IReadOnlyDictionary<string, string> shell)
    {
        // turn-cert runs the SFU's own image: its entrypoint is the published server.
        Assert.Equal(ContainerArtifacts.ComposeServiceImage("sfu", shell), ContainerArtifacts.ComposeServiceImage("turn-cert", shell));
        var entrypoint = DockerfileStage.Read("runtime").Entrypoint
            .Select(a => a.StartsWith("/app/", StringComparison.Ordinal) ? Path.Combine(PublishedServer.AppFolder, a[5..]) : a);
        var command = ContainerArtifacts.MapVolumes(ContainerArtifacts.ComposeServiceCommand("turn-cert", shell),
            ContainerArtifacts.ComposeServiceVolumes("turn-cert", shell));
        var start = new ProcessStartInfo(entrypoint.First()) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in entrypoint.Skip(1).Concat(command))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "turn-cert did not finish in a minute");
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A test CA and a server certificate it issued for <paramref name="name"/>, written as cert.pem/key.pem into <paramref name="dir"/>.</summary>
    public static X509Certificate2 IssueInto(string dir, string name)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=dwr boot test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddMinutes(-5), now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        Directory.CreateDirectory(dir);
        // cert.pem is the full chain, as a reverse proxy keeps it (fullchain.pem).
        File.WriteAllText(Path.Combine(dir, "cert.pem"), leaf.ExportCertificatePem() + "\n" + ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return ca;
    }

    /// <summary>A TLS connection to <paramref name="endpoint"/> in <paramref name="ns"/> that trusts only <paramref name="ca"/> and checks <paramref name="name"/>.</summary>
    public static async Task<SslStream> ConnectAsync(BootNamespace ns, IPEndPoint endpoint, X509Certificate2 ca, string name)
    {
        var tls = new SslStream(new NetworkStream(await ns.ConnectAsync(endpoint), ownsSocket: true));
        var chain = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        chain.CustomTrustStore.Add(ca);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = name,
            CertificateChainPolicy = chain,
        });
        return tls;
    }
}
