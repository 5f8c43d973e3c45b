using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// <c>deploy turn-cert --dir DIR [--name NAME]</c>: the compose deployment's certificate step for coturn's TURN/TLS
/// (compose service <c>turn-cert</c>, run once before <c>coturn</c>). With <c>DIR/cert.pem</c> and <c>DIR/key.pem</c>
/// present (the reverse proxy's certificate for the TURN name, copied there by the operator or a renewal hook) it
/// checks that the key matches and the certificate is valid now, and says whom it names and until when. With neither,
/// it writes a self-signed certificate for NAME and says loudly that it is for local use only: browsers refuse
/// TURN/TLS with a certificate they do not trust (RFC 8656 §5: TURN over TLS authenticates the server by its
/// certificate), so a public deployment needs a real one.
/// </summary>
internal static class TurnCertificateCommand
{
    public const string CertificateFile = "cert.pem";
    public const string KeyFile = "key.pem";

    /// <summary>Lifetime of the self-signed fallback: long enough for a local setup, short enough not to be mistaken for a real one.</summary>
    private static readonly TimeSpan SelfSignedLifetime = TimeSpan.FromDays(90);

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!DeployCommand.TryParseOptions(args, ["--dir", "--name"], out var options, out var parseError))
        {
            await stderr.WriteLineAsync(parseError);
            return 2;
        }

        if (!options.TryGetValue("--dir", out var dir) || string.IsNullOrWhiteSpace(dir))
        {
            await stderr.WriteLineAsync("turn-cert: give the certificate folder with --dir DIR.");
            return 2;
        }

        var name = options.GetValueOrDefault("--name") is { Length: > 0 } n ? n : "localhost";
        var certPath = Path.Combine(dir, CertificateFile);
        var keyPath = Path.Combine(dir, KeyFile);
        bool hasCert = File.Exists(certPath), hasKey = File.Exists(keyPath);
        if (hasCert != hasKey)
        {
            await stderr.WriteLineAsync($"turn-cert: {(hasCert ? keyPath : certPath)} is missing; put both {CertificateFile} and {KeyFile} in {dir}, or neither for a self-signed one.");
            return 1;
        }

        if (hasCert)
        {
            return await CheckAsync(certPath, keyPath, stdout, stderr);
        }

        Directory.CreateDirectory(dir);
        using var certificate = CreateSelfSigned(name, DateTimeOffset.UtcNow);
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using (var key = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        if (!OperatingSystem.IsWindows())
        {
            // coturn reads the key as its own user in another container: readable by all. It guards nothing worth a
            // secret, since nobody trusts this certificate anyway.
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        await stdout.WriteLineAsync(
            $"turn-cert: SELF-SIGNED certificate for {name} written to {dir}, valid until {certificate.NotAfter.ToUniversalTime():u}. " +
            "For local use only: browsers refuse TURN/TLS with it unless they trust it. For a public deployment put the " +
            $"TURN name's certificate there ({CertificateFile}, {KeyFile}; e.g. the reverse proxy's) and restart coturn.");
        return 0;
    }

    /// <summary>A self-signed ECDSA P-256 server certificate for <paramref name="name"/> (DNS name, or IP address when it parses as one).</summary>
    internal static X509Certificate2 CreateSelfSigned(string name, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (System.Net.IPAddress.TryParse(name, out var address))
        {
            san.AddIpAddress(address);
        }
        else
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(now.AddMinutes(-5), now.Add(SelfSignedLifetime));
    }

    private static async Task<int> CheckAsync(string certPath, string keyPath, TextWriter stdout, TextWriter stderr)
    {
        X509Certificate2 certificate;
        try
        {
            // Also checks that the key belongs to the certificate (ArgumentException when it does not).
            certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            await stderr.WriteLineAsync($"turn-cert: {certPath} with {keyPath} is not a usable certificate and key: {e.Message}");
            return 1;
        }

        using (certificate)
        {
            var now = DateTime.UtcNow;
            if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
            {
                await stderr.WriteLineAsync($"turn-cert: {certPath} is not valid now (from {certificate.NotBefore.ToUniversalTime():u} until {certificate.NotAfter.ToUniversalTime():u}); renew it.");
                return 1;
            }

            var selfSigned = certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);
            await stdout.WriteLineAsync(
                $"turn-cert: using {certPath} for {certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false)} issued by " +
                $"{certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: true)}, valid until {certificate.NotAfter.ToUniversalTime():u}" +
                (selfSigned ? " (SELF-SIGNED: for local use only)." : "."));
            return 0;
        }
    }
}
