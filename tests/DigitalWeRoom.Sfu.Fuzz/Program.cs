using System.Globalization;
using DigitalWeRoom.Sfu.Fuzz;
using SharpFuzz;

namespace DigitalWeRoom.Sfu.Fuzz;

// Fuzz targets for every parser that reads network input. See docs/security.md ("Fuzzing").
//   <target>|all [--seconds N] [--seed S]   built-in mutation mode over Corpus/<target> (default 10 s)
//   DWR_FUZZ_TARGET=<target> (no args)      libFuzzer driver (SharpFuzz; run under libfuzzer-dotnet on an instrumented build;
//                                           given files as arguments it runs them once each)
//   <target> --afl                          AFL driver (SharpFuzz; run under afl-fuzz on an instrumented build)
//   <target> --replay FILE...               run the given inputs once each
//   seed                                    (re)write Corpus/<target>/seed-*.bin from our writers and fixtures
//   list                                    target names
internal static class FuzzProgram
{
    public const string LibFuzzerTargetVariable = "DWR_FUZZ_TARGET";

    public static int Main(string[] args)
    {
        // libFuzzer passes its own arguments (or input files to reproduce), so the target comes from the environment.
        if (Environment.GetEnvironmentVariable(LibFuzzerTargetVariable) is { Length: > 0 } libFuzzerTarget)
        {
            FuzzTarget target = FuzzTargets.Find(libFuzzerTarget) ?? throw new ArgumentException($"unknown target '{libFuzzerTarget}'");
            Fuzzer.LibFuzzer.Run(span => target.Execute(span));
            return 0;
        }

        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: <target>|all [--seconds N] [--seed S] | DWR_FUZZ_TARGET=<target> (libFuzzer) | <target> --afl | <target> --replay FILE... | seed | list");
            Console.WriteLine("targets: " + string.Join(", ", FuzzTargets.All.Select(t => t.Name)));
            return 0;
        }

        if (args[0] == "list")
        {
            foreach (FuzzTarget t in FuzzTargets.All)
            {
                Console.WriteLine(t.Name);
            }

            return 0;
        }

        if (args[0] == "seed")
        {
            string root = Corpus.Locate();
            foreach (FuzzTarget t in FuzzTargets.All)
            {
                Console.WriteLine($"{t.Name}: {Corpus.WriteSeeds(root, t)} seeds");
            }

            return 0;
        }

        FuzzTarget[] targets = args[0] == "all" ? [.. FuzzTargets.All] : FuzzTargets.Find(args[0]) is { } found ? [found] : [];
        if (targets.Length == 0)
        {
            Console.Error.WriteLine($"unknown target '{args[0]}'; try 'list'");
            return 2;
        }

        if (args.Contains("--afl"))
        {
            FuzzTarget target = targets[0];
            Fuzzer.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                target.Execute(copy.ToArray());
            });
            return 0;
        }

        int replayAt = Array.IndexOf(args, "--replay");
        if (replayAt >= 0)
        {
            foreach (string file in args.Skip(replayAt + 1))
            {
                targets[0].Execute(File.ReadAllBytes(file));
                Console.WriteLine($"ok {file}");
            }

            return 0;
        }

        double seconds = Option("--seconds", 10);
        int seed = (int)Option("--seed", 8);
        string corpusRoot = Corpus.Locate();
        int exit = 0;
        foreach (FuzzTarget target in targets)
        {
            var corpus = Corpus.Files(corpusRoot, target).Select(File.ReadAllBytes).ToList();
            MutationResult result = MutationRunner.Run(target, corpus, TimeSpan.FromSeconds(seconds), seed, Corpus.DirectoryOf(corpusRoot, target));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Target}: {result.Executions:N0} executions in {result.Elapsed.TotalSeconds:F1} s ({result.ExecutionsPerSecond:N0}/s), corpus {corpus.Count}, findings {result.Findings.Count}"));
            foreach (MutationFinding f in result.Findings)
            {
                Console.WriteLine($"  {f.Kind}: {f.Message}  -> {f.SavedTo}");
                exit = 1;
            }
        }

        return exit;

        double Option(string name, double fallback)
        {
            int at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
        }
    }
}
