using System.IO.Compression;
using System.Text;
using DigitalWeRoom.Sfu.Server.Deploy;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// The generated bundle for each size against committed golden files (Deploy/Golden/&lt;size&gt;/). To accept an
/// intended change, run the tests with DWR_UPDATE_GOLDEN=1 and review the diff.
/// </summary>
public sealed class BundleGoldenTests
{
    internal const string TestKey =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSh+evPnHEBPYh6gT3LC0A5cCI1uPdGgWfMYxkg7e6A test@example";

    internal static readonly Dictionary<string, DeployRequest> Cases = new()
    {
        ["small"] = new("small", "ghent", "myroom", "ava.tf", null, null),
        ["mid"] = new("mid", "vienna", "Team_Room2", "refit.earth", "https://github.com/example/theme.git", TestKey),
        // A key comment with quotes and template markers must survive HCL quoting unchanged.
        ["large"] = new("large", "ghent", "Town_Hall", "tf9.io", null,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSh+evPnHEBPYh6gT3LC0A5cCI1uPdGgWfMYxkg7e6A \"ops\" ${team} %{x} \\o/",
            "invite_only"),
    };

    public static TheoryData<string> Sizes => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Bundle_matches_golden_files(string size)
    {
        var files = TfGridBundle.Generate(Cases[size]);
        Assert.Equal(["main.tf", "variables.tf", "outputs.tf", "terraform.tfvars", "README.md"], files.Select(f => f.Path));

        foreach (var file in files.Where(f => f.Path is "terraform.tfvars" or "README.md"))
        {
            var golden = RepoPaths.DeployTests("Golden", size, file.Path);
            if (Environment.GetEnvironmentVariable("DWR_UPDATE_GOLDEN") == "1")
            {
                Directory.CreateDirectory(Path.GetDirectoryName(golden)!);
                File.WriteAllText(golden, file.Content, new UTF8Encoding(false));
            }

            Assert.True(File.Exists(golden), $"golden file missing: {golden} (run with DWR_UPDATE_GOLDEN=1)");
            Assert.Equal(File.ReadAllText(golden), file.Content);
        }
    }

    [Fact]
    public void Terraform_files_in_the_bundle_are_the_ones_in_deploy_tfgrid()
    {
        var files = TfGridBundle.Generate(Cases["small"]);
        foreach (var name in TfGridBundle.TerraformFiles)
        {
            Assert.Equal(File.ReadAllText(RepoPaths.Path("deploy", "tfgrid", name)), files.Single(f => f.Path == name).Content);
        }
    }

    [Fact]
    public void Zip_is_deterministic_and_holds_every_file_under_one_folder()
    {
        var request = Cases["mid"];
        var files = TfGridBundle.Generate(request);
        var first = Zip(files, request);
        var second = Zip(TfGridBundle.Generate(request), request);
        Assert.Equal(first, second);

        using var zip = new ZipArchive(new MemoryStream(first), ZipArchiveMode.Read);
        Assert.Equal(files.Select(f => "sfu-teamroom2/" + f.Path), zip.Entries.Select(e => e.FullName));
        foreach (var file in files)
        {
            using var reader = new StreamReader(zip.GetEntry("sfu-teamroom2/" + file.Path)!.Open());
            Assert.Equal(file.Content, reader.ReadToEnd());
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Tfvars_parse_as_hcl_and_carry_the_answers_verbatim(string size)
    {
        var request = Cases[size].Normalize();
        var tfvars = TfGridBundle.RenderTfvars(request);
        var json = HclReader.ParseText(tfvars, "terraform.tfvars");

        Assert.Equal(request.Name, json.GetProperty("name").GetString());
        Assert.Equal(request.Size, json.GetProperty("size").GetString());
        Assert.Equal(request.Location, json.GetProperty("location").GetString());
        Assert.Equal(request.Domain, json.GetProperty("domain").GetString());
        Assert.Equal(request.GitUrl ?? "", json.GetProperty("git_url").GetString());
        // hcl2json keeps escaped template markers doubled ($${), the way Terraform's own JSON syntax does.
        var key = json.GetProperty("ssh_key").GetString()!.Replace("$${", "${", StringComparison.Ordinal)
            .Replace("%%{", "%{", StringComparison.Ordinal);
        Assert.Equal(request.SshKey ?? "", key);
    }

    [Fact]
    public async Task Cli_writes_the_same_bundle_as_the_library()
    {
        var dir = Directory.CreateTempSubdirectory("dwr-cli-");
        try
        {
            var keyFile = Path.Combine(dir.FullName, "id.pub");
            File.WriteAllText(keyFile, TestKey + "\n");
            var outDir = Path.Combine(dir.FullName, "out");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            var code = await DeployCommand.RunAsync(
                ["tfgrid", "--size", "mid", "--location", "vienna", "--name", "Team_Room2", "--domain", "refit.earth",
                 "--ssh-key-file", keyFile, "--git-url", "https://github.com/example/theme.git", "--out", outDir],
                stdout, stderr);

            Assert.True(code == 0, stderr.ToString());
            foreach (var file in TfGridBundle.Generate(Cases["mid"]))
            {
                Assert.Equal(file.Content, File.ReadAllText(Path.Combine(outDir, file.Path)));
            }

            Assert.Contains("terraform init", stdout.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static byte[] Zip(IReadOnlyList<BundleFile> files, DeployRequest request)
    {
        using var buffer = new MemoryStream();
        TfGridBundle.WriteZip(files, buffer, TfGridBundle.FolderName(request));
        return buffer.ToArray();
    }
}
