namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>
/// Checks <c>Sfu:Http:Listen</c> the way Kestrel reads it (<c>UseUrls</c>: one or more addresses separated by
/// <c>;</c>, each parsed by <see cref="BindingAddress.Parse"/>), so every form Kestrel binds passes —
/// <c>http://*:7880</c>, <c>http://+:7880</c>, <c>http://[::]:7880</c>, <c>http://0.0.0.0:7880</c>,
/// <c>http://localhost:7880</c>, <c>http://unix:/run/sfu.sock</c> — and only what Kestrel would refuse at start
/// is refused here, with the key and an example in the message.
/// </summary>
internal static class ListenAddress
{
    public const string Key = "Sfu:Http:Listen";

    /// <summary>Kestrel's default certificate: used for https:// addresses that come from <c>urls</c>/<c>UseUrls</c>.</summary>
    public const string CertificateKey = "Kestrel:Certificates:Default";

    private const string Example = "for example http://*:7880 (every address), http://127.0.0.1:7880 or https://*:443";

    /// <summary>Every problem of <paramref name="listen"/>; empty when Kestrel can bind it.</summary>
    /// <param name="configuration">Where an https address finds its certificate; null skips that check.</param>
    public static IReadOnlyList<string> Validate(string? listen, IConfiguration? configuration)
    {
        var errors = new List<string>();
        string[] addresses = (listen ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            errors.Add($"{Key} is empty; {Example}.");
            return errors;
        }

        foreach (string address in addresses)
        {
            BindingAddress parsed;
            try
            {
                parsed = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                errors.Add($"{Key} '{address}' is not an address Kestrel can bind; {Example}.");
                continue;
            }

            bool https = string.Equals(parsed.Scheme, "https", StringComparison.OrdinalIgnoreCase);
            if (!https && !string.Equals(parsed.Scheme, "http", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{Key} '{address}' must start with http:// or https://; {Example}.");
            }
            else if (!string.IsNullOrEmpty(parsed.PathBase))
            {
                // Kestrel refuses a path in a listen address (a path base is set with UsePathBase, not here).
                errors.Add($"{Key} '{address}' must not have a path; {Example}.");
            }
            else if (!parsed.IsUnixPipe && !parsed.IsNamedPipe && parsed.Port is < 0 or > 65535)
            {
                errors.Add($"{Key} '{address}': the port must be 0-65535; {Example}.");
            }
            else if (https && configuration is not null && !HasCertificate(configuration))
            {
                errors.Add($"{Key} '{address}' is https but no certificate is configured: set {CertificateKey}:Path "
                    + $"(a PFX, or a PEM with {CertificateKey}:KeyPath), e.g. Kestrel__Certificates__Default__Path=/etc/sfu/cert.pem "
                    + "and Kestrel__Certificates__Default__KeyPath=/etc/sfu/key.pem; or listen on http:// behind a TLS proxy.");
            }
        }

        return errors;
    }

    /// <summary>A certificate Kestrel loads for https addresses: a file (PFX or PEM) or one from the store by subject.</summary>
    private static bool HasCertificate(IConfiguration configuration)
    {
        IConfigurationSection certificate = configuration.GetSection(CertificateKey);
        return !string.IsNullOrWhiteSpace(certificate["Path"]) || !string.IsNullOrWhiteSpace(certificate["Subject"]);
    }
}
