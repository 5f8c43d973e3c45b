using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Server.Turn;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Turn;

/// <summary>
/// TURN REST-API credentials (coturn <c>use-auth-secret</c>): the algorithm against an independent HMAC (openssl), and
/// the real coturn <c>turnserver</c> allocating a relay with minted credentials and refusing expired or forged ones.
/// </summary>
public sealed class TurnRestCredentialsTests
{
    private const string Secret = "test-static-auth-secret-0123456789";

    [Fact]
    public void The_password_is_base64_HMAC_SHA1_of_the_username_as_openssl_computes_it()
    {
        var (username, password) = TurnRestCredentials.Compute(Secret, 1_800_000_000, "p0a1b2c3d4e5");

        Assert.Equal("1800000000:p0a1b2c3d4e5", username);
        string openssl = Run("sh", $"-c \"printf %s '{username}' | openssl dgst -sha1 -hmac '{Secret}' -binary | base64\"").Output.Trim();
        Assert.Equal(openssl, password);
    }

    [Fact]
    public void Minted_credentials_expire_after_the_TTL_and_carry_a_fresh_id_each_time()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var minter = new TurnRestCredentials(new TurnSettings { Urls = ["turn:turn.example:3478"], Secret = Secret, Ttl = TimeSpan.FromMinutes(30) }, time);

        IceServerInfo first = minter.Mint(), second = minter.Mint();

        string[] parts = first.Username!.Split(':');
        Assert.Equal(time.GetUtcNow().AddMinutes(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), parts[0]);
        Assert.Equal(TurnRestCredentials.Compute(Secret, long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), parts[1]).Password, first.Credential);
        Assert.NotEqual(first.Username, second.Username);
        Assert.Equal(["turn:turn.example:3478"], first.Urls);
    }

    [Fact]
    public async Task Joined_carries_the_static_servers_then_a_minted_TURN_entry()
    {
        await using var host = new SfuHost(new()
        {
            ["Sfu:IceServers:0:Urls:0"] = "stun:stun.example:3478",
            ["Sfu:Turn:Urls:0"] = "turn:turn.example:3478?transport=udp",
            ["Sfu:Turn:Urls:1"] = "turns:turn.example:443?transport=tcp",
            ["Sfu:Turn:Secret"] = Secret,
        });
        await using var client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "turn", Name = "alice" });
        var joined = await client.WaitForAsync(MessageTypes.Joined);

        Assert.Equal(2, joined.IceServers!.Count);
        Assert.Equal(["stun:stun.example:3478"], joined.IceServers[0].Urls);
        IceServerInfo turn = joined.IceServers[1];
        Assert.Equal(["turn:turn.example:3478?transport=udp", "turns:turn.example:443?transport=tcp"], turn.Urls);
        long expiry = long.Parse(turn.Username!.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3500, 3700);
        Assert.DoesNotContain("alice", turn.Username, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_participant_in_a_room_gets_fresh_credentials_at_three_quarters_of_the_TTL()
    {
        await using var host = new SfuHost(new()
        {
            ["Sfu:IceServers:0:Urls:0"] = "stun:stun.example:3478",
            ["Sfu:Turn:Urls:0"] = "turn:turn.example:3478?transport=udp",
            ["Sfu:Turn:Secret"] = Secret,
            ["Sfu:Turn:Ttl"] = "00:00:10",
        });
        await using var client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "long", Name = "alice" });
        var joined = await client.WaitForAsync(MessageTypes.Joined);
        var clock = Stopwatch.StartNew();

        var fresh = await client.WaitForAsync(MessageTypes.IceServers, seconds: 20);

        // 7.5 s after the join: the minted credentials still have 2.5 s, the fresh ones 10 s.
        Assert.InRange(clock.Elapsed.TotalSeconds, 6.5, 15);
        Assert.Equal(2, fresh.IceServers!.Count);
        Assert.Equal(["stun:stun.example:3478"], fresh.IceServers[0].Urls);
        IceServerInfo before = joined.IceServers![1], after = fresh.IceServers[1];
        Assert.Equal(before.Urls, after.Urls);
        string[] parts = after.Username!.Split(':');
        long expiry = long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expiry > long.Parse(before.Username!.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(expiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 8, 11);
        Assert.Equal(TurnRestCredentials.Compute(Secret, expiry, parts[1]).Password, after.Credential);
    }

    [Fact]
    public async Task Coturn_allocates_a_relay_with_minted_credentials_and_refuses_expired_and_forged_ones()
    {
        Assert.True(File.Exists("/usr/bin/turnserver"), "coturn is not installed (test.sh installs it)");
        int port = FreeUdpPort();
        var turnserver = Process.Start(new ProcessStartInfo("turnserver",
            $"-n --listening-ip=127.0.0.1 --listening-port={port} --relay-ip=127.0.0.1 --min-port=49160 --max-port=49200 " +
            $"--use-auth-secret --static-auth-secret={Secret} --realm=dwr.test --no-tls --no-dtls --no-cli " +
            "--allow-loopback-peers --log-file=stdout --simple-log --pidfile=/tmp/dwr-turn-test.pid")
        { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            await Task.Delay(700);
            var minter = new TurnRestCredentials(new TurnSettings { Urls = [$"turn:127.0.0.1:{port}"], Secret = Secret }, TimeProvider.System);
            IceServerInfo good = minter.Mint();
            var (expiredUser, expiredPassword) = TurnRestCredentials.Compute(Secret, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), "pexpired");
            var (forgedUser, _) = TurnRestCredentials.Compute(Secret, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), "pforged");

            var accepted = Uclient(port, good.Username!, good.Credential!);
            var expired = Uclient(port, expiredUser, expiredPassword);
            var forged = Uclient(port, forgedUser, "bm90IHRoZSBwYXNzd29yZA==");

            Assert.True(accepted.ExitCode == 0 && accepted.Output.Contains("Total lost packets 0", StringComparison.Ordinal),
                "coturn refused minted credentials: " + accepted.Output);
            Assert.NotEqual(0, expired.ExitCode);
            Assert.NotEqual(0, forged.ExitCode);
        }
        finally
        {
            turnserver.Kill();
            await turnserver.WaitForExitAsync();
        }
    }

    /// <summary>coturn's test client: allocate, send 5 messages through the relay to its own echo peer, count losses.</summary>
    private static (int ExitCode, string Output) Uclient(int port, string username, string password) =>
        Run("turnutils_uclient", $"-u {username} -w {password} -p {port} -e 127.0.0.1 -r 0 -n 5 -m 1 -l 170 -y 127.0.0.1", TimeSpan.FromSeconds(20));

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static (int ExitCode, string Output) Run(string file, string arguments, TimeSpan? timeout = null)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromSeconds(10)))
        {
            process.Kill();
            return (-1, "timed out: " + output.Result + error.Result);
        }
        return (process.ExitCode, output.Result + error.Result);
    }
}
