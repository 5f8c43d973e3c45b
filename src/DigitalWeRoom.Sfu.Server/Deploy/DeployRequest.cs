namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// The deploy wizard's fields. Empty optional fields are null after <see cref="Normalize"/>; an empty
/// <see cref="WhoMayJoin"/> is <see cref="DeployCatalog.DefaultWhoMayJoin"/>.
/// </summary>
internal sealed record DeployRequest(
    string? Size, string? Location, string? Name, string? Domain, string? GitUrl, string? SshKey, string? WhoMayJoin = null)
{
    /// <summary>Trims every field; an empty optional field becomes null (or its default).</summary>
    public DeployRequest Normalize() => new(
        Size?.Trim(), Location?.Trim(), Name?.Trim(), Domain?.Trim(),
        string.IsNullOrWhiteSpace(GitUrl) ? null : GitUrl.Trim(),
        string.IsNullOrWhiteSpace(SshKey) ? null : SshKey.Trim(),
        string.IsNullOrWhiteSpace(WhoMayJoin) ? DeployCatalog.DefaultWhoMayJoin : WhoMayJoin.Trim());
}

/// <summary>One validation failure; <see cref="Field"/> is the form field name (size, location, name, domain, git_url, ssh_key, who_may_join).</summary>
internal sealed record DeployFieldError(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}
