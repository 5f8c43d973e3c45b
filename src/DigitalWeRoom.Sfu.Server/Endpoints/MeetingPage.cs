using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// The meeting page: <c>/</c> (start page), <c>/r/{room}</c> (pre-join and the call), static files from wwwroot,
/// <c>/external_api.js</c> for embedding. The page's test hooks (wwwroot/js/testing/) are served only in the Testing
/// environment or with <c>Sfu:Page:TestHooks</c>; otherwise they answer 404 and the page never asks for them.
/// </summary>
public static class MeetingPage
{
    // Chat and names are only ever inserted as text; the policy is a second line of defence.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    private const string TestHooksPath = "/js/testing";
    private const string TestHooksMeta = "<meta name=\"dwr-test-hooks\" content=\"1\">";

    /// <summary>The policy, letting the page also fetch from the origin of an absolute <c>Sfu:Auth:TokenUrl</c>.</summary>
    internal static string PolicyFor(string? tokenUrl) => PolicyFor(tokenUrl, []);

    /// <summary>The policy with the token service's origin in connect-src and the embedding origins in frame-ancestors.</summary>
    internal static string PolicyFor(string? tokenUrl, IReadOnlyCollection<string> embedOrigins)
    {
        var policy = Uri.TryCreate(tokenUrl, UriKind.Absolute, out Uri? url) && url.Scheme is "https" or "http"
            ? ContentSecurityPolicy.Replace("connect-src 'self'", "connect-src 'self' " + url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            : ContentSecurityPolicy;
        return policy.Replace("frame-ancestors 'none'", "frame-ancestors " + EmbedPolicy.FrameAncestors(embedOrigins), StringComparison.Ordinal);
    }

    /// <summary>Whether this host serves the page's test hooks.</summary>
    internal static bool TestHooksEnabled(IWebHostEnvironment env, SfuOptions options) => options.Page.TestHooks || env.IsEnvironment("Testing");

    public static WebApplication UseMeetingPage(this WebApplication app)
    {
        string? policy = null;
        var options = app.Services.GetRequiredService<IOptions<SfuOptions>>();
        var testHooks = TestHooksEnabled(app.Environment, options.Value);
        app.Use((context, next) =>
        {
            // Resolved on the first request, not while the pipeline is built.
            policy ??= PolicyFor(context.RequestServices.GetRequiredService<IOptions<Auth.AuthOptions>>().Value.TokenUrl, options.Value.Embed.AllowedOrigins);
            // The deploy widget and the theme set their own headers.
            if (context.Request.Path.StartsWithSegments("/deploy") || context.Request.Path.StartsWithSegments("/theme"))
            {
                return next(context);
            }

            if (!testHooks && context.Request.Path.StartsWithSegments(TestHooksPath, StringComparison.OrdinalIgnoreCase))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            context.Response.Headers.ContentSecurityPolicy = policy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        string? roomPage = null;
        app.MapGet("/r/{room}", (string room, IWebHostEnvironment env) =>
        {
            if (!SignalingValidator.IsValidRoomName(room))
            {
                return Results.Redirect("/?error=room-name");
            }

            roomPage ??= RoomPage(env, testHooks);
            return Results.Text(roomPage, "text/html; charset=utf-8");
        });
        // What the pages show about this deployment; nothing secret.
        app.MapGet("/api/info", () => Results.Json(new ServerInfo(options.Value.DisplayName, options.Value.Embed.AllowedOrigins), ApiJsonContext.Default.ServerInfo));
        app.MapRoomSummary();
        return app;
    }

    /// <summary>room.html, with the marker that loads the test hooks when they are served.</summary>
    private static string RoomPage(IWebHostEnvironment env, bool testHooks)
    {
        using var reader = new StreamReader(env.WebRootFileProvider.GetFileInfo("room.html").CreateReadStream());
        var html = reader.ReadToEnd();
        return testHooks ? html.Replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\">\n  " + TestHooksMeta, StringComparison.Ordinal) : html;
    }
}
