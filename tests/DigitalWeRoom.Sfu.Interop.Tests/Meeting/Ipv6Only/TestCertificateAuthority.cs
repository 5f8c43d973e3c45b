using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only;

/// <summary>
/// A throw-away certificate authority for one test: server certificates for test names (PEM files for HAProxy and
/// coturn), and NSS databases that trust it (Chromium reads <c>$HOME/.pki/nssdb</c>, Firefox its profile's
/// cert9.db), so the browsers keep checking certificates and accept only ours. Needs certutil (libnss3-tools).
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _certificate;

    public TestCertificateAuthority()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("v6-ca-").FullName;
        var request = new CertificateRequest("CN=DigitalWeRoom v6 test CA", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(2));
        CaPath = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaPath, _certificate.ExportCertificatePem());
    }

    /// <summary>A folder for this test's files (certificates, configurations, logs, browser homes); removed on dispose.</summary>
    public string Directory { get; }

    public string CaPath { get; }

    /// <summary>A server certificate for <paramref name="dnsName"/>: paths of the certificate, its key, and both in one file.</summary>
    public (string Certificate, string Key, string Combined) Issue(string dnsName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + dnsName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_certificate, true, false));
        using var issued = request.Create(_certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));
        string certificatePem = issued.ExportCertificatePem() + "\n", keyPem = key.ExportPkcs8PrivateKeyPem() + "\n";
        var paths = (Path.Combine(Directory, dnsName + ".crt"), Path.Combine(Directory, dnsName + ".key"), Path.Combine(Directory, dnsName + ".pem"));
        File.WriteAllText(paths.Item1, certificatePem);
        File.WriteAllText(paths.Item2, keyPem);
        File.WriteAllText(paths.Item3, certificatePem + keyPem);
        return paths;
    }

    /// <summary>An NSS database in <paramref name="folder"/> (created) whose only added root is this CA.</summary>
    public string TrustIn(string folder)
    {
        System.IO.Directory.CreateDirectory(folder);
        ClientNamespace.Run("certutil", $"-N -d sql:{folder} --empty-password");
        ClientNamespace.Run("certutil", $"-A -d sql:{folder} -n v6-test-ca -t C,, -i {CaPath}");
        return folder;
    }

    /// <summary>A home folder for Chromium whose NSS database (<c>.pki/nssdb</c>) trusts this CA.</summary>
    public string ChromiumHome(string name)
    {
        var home = Path.Combine(Directory, name);
        TrustIn(Path.Combine(home, ".pki", "nssdb"));
        return home;
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
