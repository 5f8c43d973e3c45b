using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>
/// <c>GET /healthz/live</c> (process up: no checks) and <c>GET /healthz/ready</c> (UDP socket bound,
/// control loops answering, not draining), answered as JSON with each check's status. Draining:
/// <c>POST /api/admin/drain</c> and <c>DELETE /api/admin/drain</c> (an admin credential, see AdminAuthorization; loopback when nothing is configured).
/// </summary>
public static class HealthExtensions
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddSfuHealth(this IServiceCollection services)
    {
        services.AddSingleton<DrainState>();
        services.AddSingleton<MediaSocketState>();
        services.AddSingleton<DrainCoordinator>();
        services.AddHostedService(sp => sp.GetRequiredService<DrainCoordinator>());
        // The stop sequence (drain wait included) must not be cut short by the host's own timeout.
        services.AddOptions<HostOptions>().Configure<IOptions<SfuOptions>>((host, sfu) =>
            host.ShutdownTimeout = sfu.Value.DrainTimeout + TimeSpan.FromSeconds(10));
        services.AddHealthChecks()
            .AddCheck<DrainHealthCheck>("drain", tags: [ReadyTag])
            .AddCheck<MediaSocketHealthCheck>("udp", tags: [ReadyTag])
            .AddCheck<ControlLoopHealthCheck>("control-loops", tags: [ReadyTag]);
        return services;
    }

    public static WebApplication MapSfuHealth(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<DrainState>();
        app.Lifetime.ApplicationStopping.Register(() => drain.BeginShutdown("shutting down"));

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteJson });
        app.MapPost("/api/admin/drain", (HttpContext context, DrainState state, Auth.AdminAuthorization admin) =>
        {
            if (admin.Authorize(context) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            state.BeginDrain("requested by operator");
            return Results.Json(new DrainStatus(true, state.Reason), ApiJsonContext.Default.DrainStatus);
        });
        app.MapDelete("/api/admin/drain", (HttpContext context, DrainState state, Auth.AdminAuthorization admin) =>
        {
            if (admin.Authorize(context) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            state.EndDrain();
            return Results.Json(new DrainStatus(false, null), ApiJsonContext.Default.DrainStatus);
        });
        return app;
    }

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(JsonSerializer.Serialize(HealthResponse.From(report), ApiJsonContext.Default.HealthResponse));
    }
}
