namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Puts endpoints that are not minimal-API handlers (the Prometheus scrape, the deploy bundle) behind
/// <see cref="AdminAuthorization"/> once keys or an admin key are configured. Unconfigured, they stay open as before.
/// </summary>
public static class AdminPathGate
{
    public static IApplicationBuilder UseAdminOnlyWhenLocked(this IApplicationBuilder app, params PathString[] paths) =>
        app.Use(async (context, next) =>
        {
            foreach (PathString path in paths)
            {
                if (context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase))
                {
                    AdminAuthorization admin = context.RequestServices.GetRequiredService<AdminAuthorization>();
                    if (admin.Locked && admin.Authorize(context) is { IsGranted: false } denied)
                    {
                        context.Response.Headers.CacheControl = "no-store";
                        await denied.ToResult().ExecuteAsync(context);
                        return;
                    }

                    break;
                }
            }

            await next(context);
        });
}
