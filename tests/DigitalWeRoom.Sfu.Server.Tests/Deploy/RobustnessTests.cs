using System.Text;
using DigitalWeRoom.Sfu.Server.Deploy;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// The wizard's fields come from anyone who can reach /deploy: random, truncated and bit-flipped inputs never
/// throw, and whatever passes validation is written into terraform.tfvars so that HCL reads back exactly the
/// same value (no way to break out of the string).
/// </summary>
public sealed class RobustnessTests
{
    private const int Seed = 20261124;

    [Fact]
    public void Validator_never_throws_on_mutated_input()
    {
        var random = new Random(Seed);
        var valid = BundleGoldenTests.Cases["mid"];
        string[] seeds = [valid.Name!, valid.GitUrl!, valid.SshKey!, "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 x", "https://a/b"];
        var accepted = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var text = Mutate(random, seeds[i % seeds.Length]);
            var request = (i % 3) switch
            {
                0 => valid with { Name = text },
                1 => valid with { GitUrl = text },
                _ => valid with { SshKey = text },
            };
            var errors = DeployRequestValidator.Validate(request.Normalize());
            Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Message)));
            if (errors.Count == 0)
            {
                accepted++;
                Assert.NotEmpty(TfGridBundle.RenderTfvars(request.Normalize()));
            }
        }

        // Some mutations keep the input valid (for example flips inside a key comment); the rest are rejected.
        Assert.InRange(accepted, 1, 99_999);
    }

    [Fact]
    public void Quoted_values_read_back_unchanged_through_the_hcl_parser()
    {
        var random = new Random(Seed);
        var values = new List<string> { "", "\"", "\\", "${var.x}", "%{ if true }x%{ endif }", "$${", "a\nb\r\tc", "\u0001\u007f", "ünï©ødé 🎥" };
        const string Alphabet = "ab$%{}\"\\\n\r\t #/=\u00e9\u0000\u001f";
        for (var i = 0; i < 300; i++)
        {
            var sb = new StringBuilder();
            var length = random.Next(0, 24);
            for (var j = 0; j < length; j++)
            {
                sb.Append(Alphabet[random.Next(Alphabet.Length)]);
            }

            values.Add(sb.ToString());
        }

        var hcl = string.Concat(values.Select((v, i) => $"v{i} = {HclWriter.Quote(v)}\n"));
        var parsed = HclReader.ParseText(hcl, "values.tfvars");
        for (var i = 0; i < values.Count; i++)
        {
            // hcl2json reports literal template markers in their escaped ($${, %%{) form, as Terraform's JSON syntax does.
            var back = parsed.GetProperty($"v{i}").GetString()!
                .Replace("$${", "${", StringComparison.Ordinal).Replace("%%{", "%{", StringComparison.Ordinal);
            Assert.True(values[i] == back, $"value {i}: {Escape(values[i])} came back as {Escape(back)}");
        }
    }

    private static string Mutate(Random random, string seed)
    {
        var chars = seed.ToCharArray();
        switch (random.Next(4))
        {
            case 0:
                return seed[..random.Next(seed.Length + 1)];
            case 1:
                var i = random.Next(chars.Length);
                chars[i] = (char)(chars[i] ^ (1 << random.Next(8)));
                return new string(chars);
            case 2:
                var bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
                return Encoding.Latin1.GetString(bytes);
            default:
                var at = random.Next(chars.Length + 1);
                return seed[..at] + "\"${}\n\\%{" + seed[at..];
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => c < 32 || c == 127 ? $"\\x{(int)c:x2}" : c.ToString()));
}
