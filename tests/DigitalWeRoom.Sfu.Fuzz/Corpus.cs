namespace DigitalWeRoom.Sfu.Fuzz;

/// <summary>Locates and reads the committed corpus (tests/DigitalWeRoom.Sfu.Fuzz/Corpus/&lt;Target&gt;/).</summary>
public static class Corpus
{
    private const string RelativePath = "tests/DigitalWeRoom.Sfu.Fuzz/Corpus";

    /// <summary>Walks up from the working directory and from the binary until the corpus folder is found.</summary>
    public static string Locate()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RelativePath);
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException($"{RelativePath} not found above {Directory.GetCurrentDirectory()}");
    }

    public static string DirectoryOf(string corpusRoot, FuzzTarget target) => Path.Combine(corpusRoot, target.Name);

    /// <summary>Every file of a target's corpus (seeds and committed crash inputs), sorted by name.</summary>
    public static IReadOnlyList<string> Files(string corpusRoot, FuzzTarget target)
    {
        string dir = DirectoryOf(corpusRoot, target);
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray()
            : [];
    }

    /// <summary>Writes the seeds of <paramref name="target"/> (seed-*.bin); returns how many.</summary>
    public static int WriteSeeds(string corpusRoot, FuzzTarget target)
    {
        string dir = DirectoryOf(corpusRoot, target);
        Directory.CreateDirectory(dir);
        int count = 0;
        foreach ((string name, byte[] data) in target.CreateSeeds())
        {
            File.WriteAllBytes(Path.Combine(dir, $"seed-{name}.bin"), data);
            count++;
        }

        return count;
    }
}
