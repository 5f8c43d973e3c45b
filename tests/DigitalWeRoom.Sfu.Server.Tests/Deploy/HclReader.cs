using System.Diagnostics;
using System.Text.Json;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// Reads HCL files with HashiCorp's own parser (hcl/v2 compiled to WebAssembly, npm @cdktf/hcl2json 0.21.0),
/// run by node from Deploy/hcl. test.sh installs it (npm install in that folder); no terraform or tofu binary is
/// obtainable here, so the files are parsed, not planned.
/// </summary>
internal static class HclReader
{
    public static JsonElement Parse(string path) => ParseAll(path)[path];

    public static Dictionary<string, JsonElement> ParseAll(params string[] paths)
    {
        var (code, stdout, stderr) = RunNode(paths);
        if (code != 0)
        {
            throw new HclParseException(stderr.Trim());
        }

        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    /// <summary>Parses HCL text (written to a temp file); throws <see cref="HclParseException"/> on a syntax error.</summary>
    public static JsonElement ParseText(string text, string fileName = "input.tf")
    {
        var dir = Directory.CreateTempSubdirectory("dwr-hcl-");
        try
        {
            var path = System.IO.Path.Combine(dir.FullName, fileName);
            File.WriteAllText(path, text);
            return Parse(path);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static (int Code, string Stdout, string Stderr) RunNode(string[] paths)
    {
        var folder = RepoPaths.DeployTests("hcl");
        if (!Directory.Exists(System.IO.Path.Combine(folder, "node_modules", "@cdktf", "hcl2json")))
        {
            throw new InvalidOperationException(
                $"The HCL parser is not installed: run `npm install --no-package-lock` in {folder} (test.sh does this).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("hcl2json.mjs");
        foreach (var p in paths)
        {
            start.ArgumentList.Add(p);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("node hcl2json.mjs took more than 60 s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

internal sealed class HclParseException(string message) : Exception(message);
