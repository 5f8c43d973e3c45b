namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// <c>DigitalWeRoom.Sfu.Server deploy ...</c>: the command-line side of the deploy wizard.
/// <list type="bullet">
/// <item><c>deploy tfgrid --size S --location L --name N --domain D [--ssh-key-file F] [--git-url U] [--who-may-join W] --out DIR</c>
/// writes the same bundle as the /deploy page.</item>
/// <item><c>deploy healthcheck [--url U]</c> exits 0 when U (default http://127.0.0.1:7880/healthz/ready) answers
/// 2xx; the container HEALTHCHECK uses it because the runtime image has no curl.</item>
/// <item><c>deploy turn-cert --dir DIR [--name NAME]</c> checks or creates coturn's TURN/TLS certificate
/// (<see cref="TurnCertificateCommand"/>).</item>
/// </list>
/// </summary>
internal static class DeployCommand
{
    public const string DefaultHealthUrl = "http://127.0.0.1:7880/healthz/ready";

    private const string Usage = """
        usage:
          deploy tfgrid --size small|mid|large --location ghent|vienna --name NAME --domain DOMAIN
                        [--ssh-key-file FILE] [--git-url URL]
                        [--who-may-join anyone_with_link|invite_only] --out DIR
          deploy healthcheck [--url URL]
          deploy turn-cert --dir DIR [--name NAME]
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await stdout.WriteLineAsync(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        return args[0] switch
        {
            "tfgrid" => await RunTfGridAsync(args[1..], stdout, stderr),
            "healthcheck" => await RunHealthCheckAsync(args[1..], stderr),
            "turn-cert" => await TurnCertificateCommand.RunAsync(args[1..], stdout, stderr),
            _ => await FailAsync(stderr, $"unknown deploy target '{args[0]}'.\n{Usage}"),
        };
    }

    private static async Task<int> RunTfGridAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!TryParseOptions(args, ["--size", "--location", "--name", "--domain", "--ssh-key-file", "--git-url", "--who-may-join", "--out"],
                out var options, out var parseError))
        {
            return await FailAsync(stderr, parseError + "\n" + Usage);
        }

        if (!options.TryGetValue("--out", out var outDir) || string.IsNullOrWhiteSpace(outDir))
        {
            return await FailAsync(stderr, "out: give the output folder with --out DIR.");
        }

        string? sshKey = null;
        if (options.TryGetValue("--ssh-key-file", out var keyFile))
        {
            if (!File.Exists(keyFile))
            {
                return await FailAsync(stderr, $"ssh_key: the file '{keyFile}' does not exist.");
            }

            var lines = (await File.ReadAllLinesAsync(keyFile)).Where(l => !string.IsNullOrWhiteSpace(l)).ToArray();
            if (lines.Length != 1)
            {
                return await FailAsync(stderr, $"ssh_key: '{keyFile}' must hold exactly one public key line (it has {lines.Length}).");
            }

            sshKey = lines[0];
        }

        var request = new DeployRequest(
            options.GetValueOrDefault("--size"), options.GetValueOrDefault("--location"), options.GetValueOrDefault("--name"),
            options.GetValueOrDefault("--domain"), options.GetValueOrDefault("--git-url"), sshKey,
            options.GetValueOrDefault("--who-may-join")).Normalize();
        var errors = DeployRequestValidator.Validate(request);
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await stderr.WriteLineAsync(error.ToString());
            }

            return 1;
        }

        var files = TfGridBundle.Generate(request);
        TfGridBundle.WriteDirectory(files, outDir);
        await stdout.WriteLineAsync($"Wrote {files.Count} files to {Path.GetFullPath(outDir)}. Next:");
        await stdout.WriteLineAsync($"  cd {outDir} && export MNEMONIC=\"...\" && terraform init && terraform apply");
        return 0;
    }

    private static async Task<int> RunHealthCheckAsync(string[] args, TextWriter stderr)
    {
        if (!TryParseOptions(args, ["--url"], out var options, out var parseError))
        {
            return await FailAsync(stderr, parseError);
        }

        var url = options.GetValueOrDefault("--url") ?? DefaultHealthUrl;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var response = await client.GetAsync(new Uri(url));
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            await stderr.WriteLineAsync($"unhealthy: {url} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or UriFormatException)
        {
            await stderr.WriteLineAsync($"unhealthy: {url}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Parses <c>--key value</c> pairs; every key must be known and given once.</summary>
    internal static bool TryParseOptions(string[] args, string[] known, out Dictionary<string, string> options, out string error)
    {
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        error = "";
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var value = (string?)null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                value = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            if (!known.Contains(arg))
            {
                error = $"unknown option '{arg}'.";
                return false;
            }

            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    error = $"option '{arg}' needs a value.";
                    return false;
                }

                value = args[++i];
            }

            if (!options.TryAdd(arg, value))
            {
                error = $"option '{arg}' is given twice.";
                return false;
            }
        }

        return true;
    }

    private static async Task<int> FailAsync(TextWriter stderr, string message)
    {
        await stderr.WriteLineAsync(message);
        return 2;
    }
}
