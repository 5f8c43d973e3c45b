using System.Diagnostics;
using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Fuzz;

/// <summary>What one bounded mutation run did.</summary>
public sealed record MutationResult(string Target, long Executions, TimeSpan Elapsed, IReadOnlyList<MutationFinding> Findings)
{
    public double ExecutionsPerSecond => Executions / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>An input that made the target throw (or run too long) and where it was saved, if it was.</summary>
public sealed record MutationFinding(string Kind, string Message, byte[] Input, string? SavedTo);

/// <summary>
/// The built-in, uninstrumented fuzzing mode: mutates the corpus of a target for a bounded time with a fixed
/// seed, so it runs anywhere (CI, a laptop) without libFuzzer or AFL. Any exception is a finding; an input
/// slower than <see cref="SlowInputThreshold"/> is reported as a hang.
/// </summary>
public static class MutationRunner
{
    public static readonly TimeSpan SlowInputThreshold = TimeSpan.FromSeconds(10);

    /// <param name="saveDirectory">Where crash-*.bin files go; null keeps findings in memory only.</param>
    public static MutationResult Run(FuzzTarget target, IReadOnlyList<byte[]> corpus, TimeSpan duration, int seed,
        string? saveDirectory, int maxFindings = 10)
    {
        var seeds = corpus.Count > 0 ? corpus : target.CreateSeeds().Select(s => s.Data).ToList();
        var mutator = new Mutator(seed, seeds, target.Dictionary);
        var findings = new List<MutationFinding>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        byte[] buffer = new byte[4096];
        long executions = 0;
        var clock = Stopwatch.StartNew();
        var perInput = new Stopwatch();

        // Seeds first, unmutated: a seed that fails is a regression, not a fuzz finding.
        foreach (byte[] s in seeds)
        {
            Execute(target, s, perInput, findings, seen, saveDirectory);
            executions++;
        }

        while (clock.Elapsed < duration && findings.Count < maxFindings)
        {
            // Check the clock every 64 inputs; the inputs are microseconds each.
            for (int i = 0; i < 64; i++)
            {
                int length = mutator.Next(ref buffer);
                Execute(target, buffer.AsSpan(0, length), perInput, findings, seen, saveDirectory);
                executions++;
            }
        }

        return new MutationResult(target.Name, executions, clock.Elapsed, findings);
    }

    private static void Execute(FuzzTarget target, ReadOnlySpan<byte> input, Stopwatch perInput, List<MutationFinding> findings,
        HashSet<string> seen, string? saveDirectory)
    {
        perInput.Restart();
        try
        {
            target.Execute(input);
        }
        catch (Exception e)
        {
            // One finding per exception type and throwing method, like a fuzzer's crash de-duplication. Without the
            // frame's " in file:line", which optimized code may map to another line of the same method (CI 2026-12-07
            // reported the test's one planted throw twice).
            string key = e.GetType().FullName + "|" + ThrowingMethod(e);
            if (seen.Add(key))
            {
                findings.Add(new MutationFinding("crash", $"{e.GetType().Name}: {e.Message} at {FirstFrame(e)}", input.ToArray(), Save(saveDirectory, "crash", input)));
            }

            return;
        }

        if (perInput.Elapsed > SlowInputThreshold && seen.Add("slow"))
        {
            findings.Add(new MutationFinding("hang", $"input took {perInput.Elapsed.TotalMilliseconds:F0} ms", input.ToArray(), Save(saveDirectory, "slow", input)));
        }
    }

    private static string ThrowingMethod(Exception e)
    {
        string frame = FirstFrame(e);
        int at = frame.IndexOf(" in ", StringComparison.Ordinal);
        return at < 0 ? frame : frame[..at];
    }

    private static string FirstFrame(Exception e)
    {
        string? trace = e.StackTrace;
        if (string.IsNullOrEmpty(trace))
        {
            return "?";
        }

        string line = trace.Split('\n')[0].Trim();
        return line.StartsWith("at ", StringComparison.Ordinal) ? line[3..] : line;
    }

    private static string? Save(string? directory, string prefix, ReadOnlySpan<byte> input)
    {
        if (directory is null)
        {
            return null;
        }

        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, $"{prefix}-{Convert.ToHexStringLower(SHA256.HashData(input))[..16]}.bin");
        File.WriteAllBytes(path, input.ToArray());
        return path;
    }
}
