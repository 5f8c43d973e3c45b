namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>One wizard size: the VM's resources and the server limits that fit them (rationale in deploy/tfgrid/README.md).</summary>
internal sealed record DeploySize(
    string Name, int Cpu, int MemoryMb, int RootfsMb, int MaxRooms, int MaxParticipantsPerRoom, string Summary);

/// <summary>
/// The choices the deploy wizard offers. Mirrors <c>locals.sizes</c> and the validations of deploy/tfgrid/*.tf;
/// a test parses those files and compares.
/// </summary>
internal static class DeployCatalog
{
    public static readonly IReadOnlyList<DeploySize> Sizes =
    [
        new("small", 1, 2048, 10240, 10, 8, "1 vCPU, 2 GB RAM, 10 GB disk: up to 10 rooms of 8"),
        new("mid", 2, 4096, 20480, 25, 12, "2 vCPU, 4 GB RAM, 20 GB disk: up to 25 rooms of 12"),
        new("large", 4, 8192, 40960, 50, 20, "4 vCPU, 8 GB RAM, 40 GB disk: up to 50 rooms of 20"),
    ];

    /// <summary>Location key → display name; the farm behind each key is in variables.tf (<c>farm_ids</c>).</summary>
    public static readonly IReadOnlyList<(string Key, string Label)> Locations =
    [
        ("ghent", "Ghent, Belgium"),
        ("vienna", "Vienna, Austria"),
    ];

    public static readonly IReadOnlyList<string> Domains =
        ["ava.tf", "3x0.me", "refit.earth", "co30.org", "ninja.tf", "base.tf", "tf9.io"];

    /// <summary>
    /// Who may join (variables.tf <c>who_may_join</c>): anyone with the link gets a guest token from the page
    /// (<c>Sfu:Auth:AllowGuests</c>); invite only needs a token minted with the API secret. Tokens are on either way.
    /// </summary>
    public static readonly IReadOnlyList<(string Key, string Label)> WhoMayJoin =
    [
        ("anyone_with_link", "Anyone with the link"),
        ("invite_only", "Only people with an invite link (a token you mint)"),
    ];

    public const string DefaultWhoMayJoin = "anyone_with_link";

    /// <summary>Same pattern as variables.tf and deploy.js: a letter, then 1-14 letters, digits or underscores.</summary>
    public const string NamePattern = "^[a-zA-Z][a-zA-Z0-9_]{1,14}$";

    /// <summary>Public key types sshd accepts in authorized_keys (OpenSSH PROTOCOL.key / sshd(8) AUTHORIZED_KEYS).</summary>
    public static readonly IReadOnlyList<string> SshKeyTypes =
    [
        "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    public static DeploySize? FindSize(string? name) =>
        Sizes.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal));

    /// <summary>The host name label: DNS labels hold no underscores, and names are case-insensitive.</summary>
    public static string HostLabel(string name) => name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
}
