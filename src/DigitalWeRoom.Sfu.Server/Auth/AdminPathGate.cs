namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Puts endpoints that are not minimal-API handlers (the Prometheus scrape, the deploy bundle) behind
/// <see cref="AdminAuthorization"/>, as the Room API is: with keys or an admin key configured they need a
/// credential; without, they answer loopback callers only (after the trusted-proxy rewrite, so a client behind a
/// trusted proxy is not local). An operator who wants one of them public says so (<paramref name="open"/>).
/// </summary>
public static class AdminPathGate
{
    /// <param name="app">The pipeline.</param>
    /// <param name="path">The path (and everything under it) to guard.</param>
    /// <param name="open">True: answer every caller, with or without keys (the operator's explicit choice).</param>
    public static IApplicationBuilder UseAdminOnly(this IApplicationBuilder app, PathString path, bool open = false) =>
        open ? app : app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase))
            {
                AdminAuthorization admin = context.RequestServices.GetRequiredService<AdminAuthorization>();
                if (admin.Authorize(context) is { IsGranted: false } denied)
                {
                    context.Response.Headers.CacheControl = "no-store";
                    await denied.ToResult().ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });
}
