using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// <c>dotnet run --project src/DigitalWeRoom.Sfu.Server -- token --room R --identity I [--name N] [--ttl 1h]
/// [--admin] [--server-admin] [--key K]</c>: prints a room token signed with a key from the server's own
/// configuration (appsettings.json, environment, command line), then exits without starting the server.
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";

    /// <summary>Runs the subcommand when <paramref name="args"/> start with "token"; sets the exit code and returns true.</summary>
    public static bool TryRun(string[] args)
    {
        if (args.Length == 0 || args[0] != Name)
        {
            return false;
        }

        Environment.ExitCode = Run(args[1..], Console.Out, Console.Error);
        return true;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error, IConfiguration? configuration = null, TimeProvider? time = null)
    {
        string? room = Value(args, "--room");
        string? identity = Value(args, "--identity");
        string? name = Value(args, "--name");
        string? key = Value(args, "--key");
        bool serverAdmin = args.Contains("--server-admin");
        if ((room is null && !serverAdmin) || identity is null || args.Contains("--help"))
        {
            error.WriteLine("usage: token --room ROOM --identity ID [--name NAME] [--ttl 1h] [--admin] [--server-admin] [--key API_KEY]");
            return 2;
        }

        TimeSpan? ttl = null;
        if (Value(args, "--ttl") is { } ttlText)
        {
            if (!Ttl.TryParse(ttlText, out TimeSpan parsed))
            {
                error.WriteLine($"--ttl '{ttlText}': use 90s, 30m, 1h, 2d or hh:mm:ss");
                return 2;
            }

            ttl = parsed;
        }

        configuration ??= new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .Build();
        var options = new AuthOptions();
        configuration.GetSection(AuthOptions.SectionName).Bind(options);
        ValidateOptionsResult valid = new AuthOptionsValidator().Validate(null, options);
        if (valid.Failed)
        {
            error.WriteLine(valid.FailureMessage);
            return 1;
        }

        if (!options.Enabled)
        {
            error.WriteLine($"no API keys configured: set {AuthOptions.SectionName}:Keys (e.g. Sfu__Auth__Keys__mykey=<32+ byte secret>)");
            return 1;
        }

        var service = new RoomTokenService(Microsoft.Extensions.Options.Options.Create(options), time ?? TimeProvider.System);
        try
        {
            var grant = new VideoGrant { Room = room, RoomAdmin = args.Contains("--admin"), ServerAdmin = serverAdmin };
            IssuedToken issued = service.Issue(new RoomTokenRequest(identity, name, grant, ttl), key);
            output.WriteLine(issued.Token);
            error.WriteLine($"key {issued.ApiKey}, room {room ?? "(any: server admin)"}, identity {identity}, expires {issued.ExpiresAt:u}");
            return 0;
        }
        catch (ArgumentException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }

    private static string? Value(string[] args, string option)
    {
        int at = Array.IndexOf(args, option);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
