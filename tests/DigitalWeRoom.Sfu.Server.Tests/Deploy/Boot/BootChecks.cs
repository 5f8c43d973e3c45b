using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>What a booted deployment must do, whatever artifact started it.</summary>
internal static class BootChecks
{
    public const int UnprivilegedUid = 1654;
    private const string Room = "boot-check";

    /// <summary>Ready, the meeting page loads, and the process runs as the unprivileged user.</summary>
    public static async Task ServesAsUnprivilegedUserAsync(BootedServer server, Uri baseUri, int expectedUid)
    {
        await server.WaitReadyAsync(new Uri(baseUri, "/healthz/ready"), TimeSpan.FromSeconds(90));
        using var client = server.Namespace.HttpClient();
        using var page = await client.GetAsync(new Uri(baseUri, "/r/" + Room));
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET /r/{Room}: {(int)page.StatusCode}\n{server.Output}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var (uid, gid) = server.Identity();
        Assert.NotEqual(0, expectedUid);
        Assert.True(uid == expectedUid && gid == expectedUid, $"the server runs as {uid}:{gid}, the artifact says {expectedUid}");
    }

    /// <summary>
    /// Tokens are on: the secret mints a token, the token joins, a join without one is refused, the admin API and
    /// /metrics refuse anonymous callers and accept the secret; guest tokens only when <paramref name="guests"/>.
    /// </summary>
    public static async Task KeysAreActiveAsync(BootedServer server, Uri baseUri, string secret, bool guests)
    {
        using var client = server.Namespace.HttpClient();
        using var mint = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "/api/token"))
        {
            Content = JsonContent.Create(new { room = Room, identity = "ops", name = "Ops" }),
        };
        mint.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var minted = await client.SendAsync(mint);
        Assert.True(minted.StatusCode == HttpStatusCode.OK, $"POST /api/token with the secret: {(int)minted.StatusCode} {await minted.Content.ReadAsStringAsync()}");
        var token = (await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        await using (var anonymous = await ConnectAsync(server, baseUri))
        {
            await anonymous.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = Room, Name = "Nobody" });
            await anonymous.ErrorAsync(ErrorCodes.Unauthorized);
        }

        await using (var invited = await ConnectAsync(server, baseUri))
        {
            await invited.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = Room, Name = "Ops", Token = token });
            await invited.WaitForAsync(MessageTypes.Joined);
        }

        foreach (var path in new[] { "/api/rooms", "/api/stats", "/metrics" })
        {
            using var denied = await client.GetAsync(new Uri(baseUri, path));
            Assert.True(denied.StatusCode == HttpStatusCode.Unauthorized, $"GET {path} without a credential: {(int)denied.StatusCode}");
            Assert.Equal(HttpStatusCode.OK, await GetWithBearerAsync(client, new Uri(baseUri, path), secret));
        }

        using var guest = await client.GetAsync(new Uri(baseUri, $"/api/token/guest?room={Room}&name=Guest"));
        Assert.Equal(guests ? HttpStatusCode.OK : HttpStatusCode.Forbidden, guest.StatusCode);
    }

    /// <summary>Only an admin key (tokens off): the admin API refuses anonymous callers and accepts the key.</summary>
    public static async Task AdminKeyIsActiveAsync(BootedServer server, Uri baseUri, string adminKey)
    {
        using var client = server.Namespace.HttpClient();
        using var denied = await client.GetAsync(new Uri(baseUri, "/api/rooms"));
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await GetWithBearerAsync(client, new Uri(baseUri, "/api/rooms"), adminKey));
    }

    /// <summary>Runs the artifact's own health check command inside the namespace; it must exit 0.</summary>
    public static async Task HealthCheckPassesAsync(BootNamespace ns, string[] command)
    {
        var mapped = command.Select(a => a.StartsWith("/app/", StringComparison.Ordinal) ? Path.Combine(PublishedServer.AppFolder, a[5..]) : a).ToArray();
        var start = new System.Diagnostics.ProcessStartInfo(ns.Exec[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in ns.Exec.Skip(1).Concat(mapped))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"health check {string.Join(' ', command)} exited {process.ExitCode}: {await output}");
    }

    private static async Task<HttpStatusCode> GetWithBearerAsync(HttpClient client, Uri uri, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<WsClient> ConnectAsync(BootedServer server, Uri baseUri) =>
        new(await server.Namespace.WebSocketAsync(new Uri($"ws://{baseUri.Authority}/ws")), SignalEncoding.Json);
}
