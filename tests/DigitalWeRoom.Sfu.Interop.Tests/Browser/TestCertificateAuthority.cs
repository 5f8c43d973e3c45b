namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// A certificate authority made for one test with openssl (EC P-256), a server certificate it signs, and the
/// browsers' trust in it, so TLS to a test server is checked as on the internet rather than switched off:
/// Chromium trusts CAs in the NSS database $HOME/.pki/nssdb, Firefox those in its profile's cert9.db; both are
/// written with NSS's certutil (Debian libnss3-tools, installed by test.sh). Everything lives in one temporary
/// directory, removed on dispose.
/// </summary>
internal sealed class TestCertificateAuthority : IDisposable
{
    private TestCertificateAuthority(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaPath => Path.Combine(Directory, "ca.pem");

    public static TestCertificateAuthority Create()
    {
        var ca = new TestCertificateAuthority(System.IO.Directory.CreateTempSubdirectory("dwr-ca-").FullName);
        ca.OpenSsl("ecparam -name prime256v1 -genkey -noout -out ca.key");
        ca.OpenSsl("req -x509 -new -key ca.key -sha256 -days 2 -subj /CN=DigitalWeRoom-test-CA -out ca.pem " +
            "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
        return ca;
    }

    /// <summary>
    /// A server certificate for <paramref name="dnsName"/> and <paramref name="ipAddress"/> (subjectAltName, RFC 5280
    /// §4.2.1.6): returns the certificate and key paths (PEM).
    /// </summary>
    public (string Certificate, string Key) Issue(string name, string dnsName, string ipAddress)
    {
        OpenSsl($"ecparam -name prime256v1 -genkey -noout -out {name}.key");
        OpenSsl($"req -new -key {name}.key -subj /CN={dnsName} -out {name}.csr");
        File.WriteAllText(Path.Combine(Directory, $"{name}.ext"),
            $"subjectAltName=DNS:{dnsName},IP:{ipAddress}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n");
        OpenSsl($"x509 -req -in {name}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 -extfile {name}.ext -out {name}.pem");
        return (Path.Combine(Directory, $"{name}.pem"), Path.Combine(Directory, $"{name}.key"));
    }

    /// <summary>A home directory <paramref name="name"/> whose $HOME/.pki/nssdb trusts this CA (for Chromium on Linux).</summary>
    public string ChromiumHome(string name)
    {
        var home = Path.Combine(Directory, "home-" + name);
        TrustIn(Path.Combine(home, ".pki", "nssdb"));
        return home;
    }

    /// <summary>A Firefox profile directory whose cert9.db trusts this CA.</summary>
    public string FirefoxProfile()
    {
        var profile = Path.Combine(Directory, "firefox-profile");
        TrustIn(profile);
        return profile;
    }

    private void TrustIn(string nssDirectory)
    {
        System.IO.Directory.CreateDirectory(nssDirectory);
        ClientNamespace.Run("certutil", $"-N -d sql:{nssDirectory} --empty-password");
        // "C,," = a trusted CA for issuing server certificates (certutil -t, SSL column).
        ClientNamespace.Run("certutil", $"-A -d sql:{nssDirectory} -n dwr-test-ca -t C,, -i {CaPath}");
    }

    private void OpenSsl(string arguments) => ClientNamespace.Run("sh", $"-c \"cd {Directory} && openssl {arguments}\"");

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A browser still closing may hold a file a moment longer; the directory is in /tmp.
        }
    }
}
