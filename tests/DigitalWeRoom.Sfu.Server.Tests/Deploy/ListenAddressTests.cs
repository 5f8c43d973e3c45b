using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// <c>Sfu:Http:Listen</c> in the forms operators write: each one starts the real host on Kestrel with only that
/// setting (no <c>urls</c>) and answers <c>/healthz/live</c>; what Kestrel would refuse is refused at start with
/// the key and an example in the message.
/// </summary>
public sealed class ListenAddressTests
{
    [Fact]
    public Task Star_binds_every_address() => ServesAsync("http://*:{0}", "127.0.0.1");

    [Fact]
    public Task Plus_binds_every_address() => ServesAsync("http://+:{0}", "127.0.0.1");

    [Fact]
    public Task Ipv6_any_binds_every_address() => ServesAsync("http://[::]:{0}", "[::1]");

    [Fact]
    public Task Ipv4_any_binds_every_ipv4_address() => ServesAsync("http://0.0.0.0:{0}", "127.0.0.1");

    [Fact]
    public async Task Https_with_a_certificate_serves_tls()
    {
        using var certificate = SelfSigned();
        var dir = Directory.CreateTempSubdirectory("dwr-listen-");
        try
        {
            var certPath = Path.Combine(dir.FullName, "cert.pem");
            var keyPath = Path.Combine(dir.FullName, "key.pem");
            await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var port = FreePort();
            await using var host = new ListenHost(new()
            {
                ["Sfu:Http:Listen"] = $"https://*:{port}",
                ["Kestrel:Certificates:Default:Path"] = certPath,
                ["Kestrel:Certificates:Default:KeyPath"] = keyPath,
            });
            host.Start();

            // The client trusts exactly the generated certificate: the TLS handshake proves Kestrel served it.
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
            using var client = new HttpClient(handler);
            using var response = await client.GetAsync(new Uri($"https://127.0.0.1:{port}/healthz/live"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Https_without_a_certificate_is_refused_naming_the_keys()
    {
        var errors = ListenAddress.Validate("https://*:443", new ConfigurationBuilder().Build());
        var error = Assert.Single(errors);
        Assert.Contains("Sfu:Http:Listen 'https://*:443'", error, StringComparison.Ordinal);
        Assert.Contains("Kestrel__Certificates__Default__Path", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:7880")] // no scheme
    [InlineData("ftp://*:7880")]
    [InlineData("http://*:7880/meet")] // Kestrel refuses a path base in a listen address
    [InlineData("http://*:99999")]
    [InlineData("")]
    public void What_kestrel_refuses_is_refused_with_the_key_and_an_example(string listen)
    {
        var error = Assert.Single(ListenAddress.Validate(listen, null));
        Assert.StartsWith("Sfu:Http:Listen", error, StringComparison.Ordinal);
        Assert.Contains("http://*:7880", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_address_stops_the_host_at_start()
    {
        await using var host = new ListenHost(new() { ["Sfu:Http:Listen"] = "http://*:7880/meet" });
        var error = Assert.Throws<OptionsValidationException>(host.Start);
        Assert.Contains("Sfu:Http:Listen 'http://*:7880/meet' must not have a path", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://localhost:7880")]
    [InlineData("http://127.0.0.1:7880;http://[::1]:7880")]
    [InlineData("http://unix:/run/sfu/http.sock")]
    [InlineData("http://meet.example.org:7880")] // a host name binds every address, as in Kestrel
    public void Other_forms_kestrel_binds_pass(string listen) => Assert.Empty(ListenAddress.Validate(listen, null));

    private static async Task ServesAsync(string form, string connectHost)
    {
        var port = FreePort();
        await using var host = new ListenHost(new() { ["Sfu:Http:Listen"] = string.Format(System.Globalization.CultureInfo.InvariantCulture, form, port) });
        host.Start();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync(new Uri($"http://{connectHost}:{port}/healthz/live"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>The real host on Kestrel with the given settings and no <c>urls</c>, so <c>Sfu:Http:Listen</c> decides where it listens.</summary>
    private sealed class ListenHost(Dictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        public void Start()
        {
            UseKestrel();
            StartServer();
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Sfu:Udp:Port", "0");
            builder.UseSetting("Sfu:Udp:BindAddress", "127.0.0.1");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
