using System.CommandLine;
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

    private const string Usage =
        "usage: token --room ROOM --identity ID [--name NAME] [--ttl 1h] [--admin] [--server-admin] [--key API_KEY]";

    public static int Run(string[] args, TextWriter output, TextWriter error, IConfiguration? configuration = null, TimeProvider? time = null)
    {
        // System.CommandLine: an unknown flag (say --admn) is an error, never a token silently minted without the grant.
        var roomOption = new Option<string>("--room") { Description = "the room the token admits to" };
        var identityOption = new Option<string>("--identity") { Description = "the participant's identity (sub)", Required = true };
        var nameOption = new Option<string>("--name") { Description = "display name" };
        var ttlOption = new Option<string>("--ttl") { Description = "lifetime: 90s, 30m, 1h, 2d or hh:mm:ss" };
        var keyOption = new Option<string>("--key") { Description = "API key to sign with (default: the first configured)" };
        var adminOption = new Option<bool>("--admin") { Description = "roomAdmin for this room" };
        var serverAdminOption = new Option<bool>("--server-admin") { Description = "serverAdmin: the operator API, any room" };
        var command = new RootCommand("Mints a room token") { roomOption, identityOption, nameOption, ttlOption, keyOption, adminOption, serverAdminOption };
        ParseResult parse = command.Parse(args);
        if (parse.Errors.Count > 0 || parse.Action is System.CommandLine.Help.HelpAction)
        {
            foreach (var parseError in parse.Errors)
            {
                error.WriteLine(parseError.Message);
            }

            error.WriteLine(Usage);
            return 2;
        }

        string? room = parse.GetValue(roomOption);
        string identity = parse.GetValue(identityOption)!;
        string? name = parse.GetValue(nameOption);
        string? key = parse.GetValue(keyOption);
        bool serverAdmin = parse.GetValue(serverAdminOption);
        if (room is null && !serverAdmin)
        {
            error.WriteLine("--room is required (or --server-admin)");
            error.WriteLine(Usage);
            return 2;
        }

        TimeSpan? ttl = null;
        if (parse.GetValue(ttlOption) is { } ttlText)
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
            var grant = new VideoGrant { Room = room, RoomAdmin = parse.GetValue(adminOption), ServerAdmin = serverAdmin };
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
}
