namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>The deploy wizard's fields. Empty optional fields are null after <see cref="Normalize"/>.</summary>
internal sealed record DeployRequest(
    string? Size, string? Location, string? Name, string? Domain, string? GitUrl, string? SshKey)
{
    /// <summary>Trims every field; an empty optional field becomes null; a key keeps its first line only if it has one.</summary>
    public DeployRequest Normalize() => new(
        Size?.Trim(), Location?.Trim(), Name?.Trim(), Domain?.Trim(),
        string.IsNullOrWhiteSpace(GitUrl) ? null : GitUrl.Trim(),
        string.IsNullOrWhiteSpace(SshKey) ? null : SshKey.Trim());
}

/// <summary>One validation failure; <see cref="Field"/> is the form field name (size, location, name, domain, git_url, ssh_key).</summary>
internal sealed record DeployFieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
