using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>The meeting page: <c>/</c> (pick room and name), <c>/r/{room}</c> (the meeting), static files from wwwroot.</summary>
public static class MeetingPage
{
    // Chat and names are only ever inserted as text; the policy is a second line of defence.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    /// <summary>The policy, letting the page also fetch from the origin of an absolute <c>Sfu:Auth:TokenUrl</c>.</summary>
    internal static string PolicyFor(string? tokenUrl) =>
        Uri.TryCreate(tokenUrl, UriKind.Absolute, out Uri? url) && url.Scheme is "https" or "http"
            ? ContentSecurityPolicy.Replace("connect-src 'self'", "connect-src 'self' " + url.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
            : ContentSecurityPolicy;

    public static WebApplication UseMeetingPage(this WebApplication app)
    {
        string? policy = null;
        app.Use((context, next) =>
        {
            // Resolved on the first request, not while the pipeline is built.
            policy ??= PolicyFor(context.RequestServices.GetRequiredService<IOptions<Auth.AuthOptions>>().Value.TokenUrl);
            // The deploy widget and the theme set their own headers.
            if (context.Request.Path.StartsWithSegments("/deploy") || context.Request.Path.StartsWithSegments("/theme"))
            {
                return next(context);
            }

            context.Response.Headers.ContentSecurityPolicy = policy;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapGet("/r/{room}", (string room, IWebHostEnvironment env) =>
            SignalingValidator.IsValidRoomName(room)
                ? Results.File(env.WebRootFileProvider.GetFileInfo("room.html").CreateReadStream(), "text/html; charset=utf-8")
                : Results.Redirect("/?error=room-name"));
        // What the pages show about this deployment; nothing secret.
        app.MapGet("/api/info", (IOptions<SfuOptions> options) => Results.Json(new { displayName = options.Value.DisplayName }));
        return app;
    }
}
