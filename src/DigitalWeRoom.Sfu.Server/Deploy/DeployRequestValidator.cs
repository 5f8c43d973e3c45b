using System.Buffers.Binary;
using System.Text.RegularExpressions;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// Server-side validation of the wizard's fields: the same rules as deploy.js (client) and the Terraform
/// <c>validation</c> blocks, so a bundle that passes here also passes <c>terraform plan</c>.
/// </summary>
internal static partial class DeployRequestValidator
{
    public const int MaxSshKeyLength = 8192;
    public const int MaxGitUrlLength = 512;

    public static IReadOnlyList<DeployFieldError> Validate(DeployRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<DeployFieldError>();

        if (DeployCatalog.FindSize(request.Size) is null)
        {
            // Messages never repeat the submitted value: it comes from anyone and can be large.
            errors.Add(new("size", $"unknown size; choose one of {string.Join(", ", DeployCatalog.Sizes.Select(s => s.Name))}."));
        }

        if (!DeployCatalog.Locations.Any(l => l.Key == request.Location))
        {
            errors.Add(new("location", $"unknown location; choose one of {string.Join(", ", DeployCatalog.Locations.Select(l => l.Key))}."));
        }

        if (string.IsNullOrEmpty(request.Name) || !NameRegex().IsMatch(request.Name))
        {
            errors.Add(new("name", "use 2-15 letters, digits or underscores, starting with a letter."));
        }

        if (!DeployCatalog.Domains.Contains(request.Domain ?? ""))
        {
            errors.Add(new("domain", $"unknown domain; choose one of {string.Join(", ", DeployCatalog.Domains)}."));
        }

        if (request.GitUrl is { } gitUrl && ValidateGitUrl(gitUrl) is { } gitError)
        {
            errors.Add(new("git_url", gitError));
        }

        if (request.SshKey is { } key && ValidateSshKey(key) is { } keyError)
        {
            errors.Add(new("ssh_key", keyError));
        }

        if (!DeployCatalog.WhoMayJoin.Any(w => w.Key == (request.WhoMayJoin ?? DeployCatalog.DefaultWhoMayJoin)))
        {
            errors.Add(new("who_may_join", $"choose one of {string.Join(", ", DeployCatalog.WhoMayJoin.Select(w => w.Key))}."));
        }

        return errors;
    }

    /// <summary>An https URL with a host and a path, no whitespace, quotes, backslashes or <c>$</c>.</summary>
    public static string? ValidateGitUrl(string url)
    {
        if (url.Length > MaxGitUrlLength)
        {
            return $"at most {MaxGitUrlLength} characters.";
        }

        if (!GitUrlRegex().IsMatch(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            return "must be an https:// git repository URL, for example https://github.com/you/theme.git.";
        }

        return null;
    }

    /// <summary>
    /// One OpenSSH public key line, <c>type base64 [comment]</c> (sshd(8) AUTHORIZED_KEYS FILE FORMAT), whose blob
    /// starts with the same type name as a length-prefixed string (RFC 4253 §6.6).
    /// </summary>
    public static string? ValidateSshKey(string key)
    {
        const string Expected = "must be one OpenSSH public key line such as 'ssh-ed25519 AAAAC3Nza... you@laptop'.";
        if (key.Length > MaxSshKeyLength)
        {
            return $"at most {MaxSshKeyLength} characters.";
        }

        var match = SshKeyRegex().Match(key);
        if (!match.Success)
        {
            return Expected;
        }

        var type = match.Groups["type"].Value;
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(match.Groups["blob"].Value);
        }
        catch (FormatException)
        {
            return "the key's base64 part does not decode; " + Expected;
        }

        if (blob.Length < 4)
        {
            return "the key is truncated; " + Expected;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (nameLength != type.Length || blob.Length < 4 + type.Length
            || !blob.AsSpan(4, type.Length).SequenceEqual(System.Text.Encoding.ASCII.GetBytes(type)))
        {
            return $"the key data is not a {type} key; " + Expected;
        }

        return null;
    }

    // DeployCatalog.NamePattern, with \z: .NET's $ also matches before a final newline.
    [GeneratedRegex(@"^[a-zA-Z][a-zA-Z0-9_]{1,14}\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[^\s""'`$\\]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex GitUrlRegex();

    [GeneratedRegex(@"^(?<type>ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) (?<blob>[A-Za-z0-9+/]+={0,3})( [^\r\n]*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex SshKeyRegex();
}
