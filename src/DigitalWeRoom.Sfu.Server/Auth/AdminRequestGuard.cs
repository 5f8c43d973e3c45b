using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// CSRF and DNS-rebinding guard for <c>/api</c> (issue #12, finding 11). Without keys the operator API trusts loopback
/// callers, and a page open in the operator's browser is one: a rebound name (<c>evil.example</c> resolving to
/// 127.0.0.1) is refused on every call, and a state-changing call (anything but GET/HEAD/OPTIONS) must come from an
/// allowed origin or from no browser at all (<see cref="OriginPolicy"/>). Checked before any endpoint acts; 403 with
/// <c>{"error": "forbidden-origin"}</c>.
/// </summary>
internal static class AdminRequestGuard
{
    public static IApplicationBuilder UseAdminRequestGuard(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                OriginPolicy policy = context.RequestServices.GetRequiredService<OriginPolicy>();
                bool safe = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
                    || HttpMethods.IsOptions(context.Request.Method);
                string why;
                if (!(safe ? policy.IsAllowedHost(context, out why) : policy.IsAllowed(context, out why)))
                {
                    context.Response.Headers.CacheControl = "no-store";
                    await ApiError.Result(StatusCodes.Status403Forbidden, "forbidden-origin", why)
                        .ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });
}
