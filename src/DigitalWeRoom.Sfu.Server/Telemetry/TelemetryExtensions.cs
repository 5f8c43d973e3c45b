using Microsoft.Extensions.DependencyInjection.Extensions;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Dashboard;
using DigitalWeRoom.Sfu.Server.Health;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using DigitalWeRoom.Sfu.Rooms.Telemetry;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Metrics (OpenTelemetry → Prometheus text at <c>GET /metrics</c>), tracing (OTLP, only when
/// <c>Sfu:Telemetry:OtlpEndpoint</c> is set), health probes, stats API and dashboard: one call in
/// Program.cs each side (<c>builder.AddSfuTelemetry()</c>, <c>app.MapTelemetry()</c>).
/// </summary>
public static class TelemetryExtensions
{
    public static WebApplicationBuilder AddSfuTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddOptions<TelemetryOptions>().Bind(section)
            .Validate(o => o.SampleInterval > TimeSpan.Zero && o.HistoryLength > 0, "Sfu:Telemetry:SampleInterval and HistoryLength must be positive")
            .Validate(o => o.MetricsPort is >= 0 and <= 65535, "Sfu:Telemetry:MetricsPort must be 0..65535")
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TelemetrySources>();
        builder.Services.TryAddSingleton<SignalingDrops>();
        builder.Services.AddSingleton(sp => new SelectedPathCounter(sp.GetService<Rooms.SfuPath.SfuMediaHost>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<DigitalWeRoom.Sfu.Server.Options.SfuOptions>>()));
        builder.Services.AddSingleton<SfuMetrics>();
        builder.Services.AddSingleton<StatsSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StatsSampler>());
        builder.Services.AddSfuHealth();
        builder.Services.AddHostedService<MediaSocketTelemetry>();
        DecorateMediaFactory(builder.Services);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r
                .AddService("digitalweroom-sfu", serviceInstanceId: options.ResolvedNodeId)
                .AddAttributes([new("node_id", options.ResolvedNodeId), new("region", options.Region)]));
        if (options.MetricsEnabled)
        {
            otel.WithMetrics(m => m.AddMeter(SfuMetrics.MeterNames)
                .AddView(static _ => new MetricStreamConfiguration { CardinalityLimit = SfuMetrics.CardinalityLimit })
                .AddPrometheusExporter(p => p.ScrapeResponseCacheDurationMilliseconds = 0));
        }

        if (!string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            otel.WithTracing(t => t.AddSource(SfuActivities.SourceName).AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint)));
        }

        if (options.MetricsEnabled && options.MetricsPort > 0)
        {
            // An extra listener for the scrape port, next to the configured urls.
            var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
            var extra = $"http://*:{options.MetricsPort}";
            builder.WebHost.UseUrls(string.IsNullOrEmpty(urls) ? extra : urls + ";" + extra);
        }

        return builder;
    }

    /// <summary>Wraps the registered <see cref="Rooms.IMediaSessionFactory"/> (call after AddSfuMedia) so room routers feed the metrics.</summary>
    private static void DecorateMediaFactory(IServiceCollection services)
    {
        var index = -1;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(Rooms.IMediaSessionFactory))
            {
                index = i;
                break;
            }
        }

        if (index < 0)
        {
            return;
        }

        var original = services[index];
        services[index] = ServiceDescriptor.Singleton<Rooms.IMediaSessionFactory>(sp =>
        {
            var inner = original.ImplementationInstance as Rooms.IMediaSessionFactory
                ?? (Rooms.IMediaSessionFactory?)original.ImplementationFactory?.Invoke(sp)
                ?? (Rooms.IMediaSessionFactory)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!);
            return new TelemetryMediaSessionFactory(inner, sp.GetRequiredService<TelemetrySources>(),
                () => new RouterMediaTelemetry(sp.GetRequiredService<SfuMetrics>()));
        });
    }

    public static WebApplication MapTelemetry(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;

        // Created now so the meters exist before the first scrape.
        app.Services.GetRequiredService<SfuMetrics>();
        var sources = app.Services.GetRequiredService<TelemetrySources>();
        if (app.Services.GetService<Networking.RoomSummaryRateLimiter>() is { } summaries)
        {
            sources.Add(new LimiterCapacity(summaries, roomSummaries: true));
        }

        if (app.Services.GetService<Signaling.JoinRateLimiter>() is { } joins)
        {
            sources.Add(new LimiterCapacity(joins, roomSummaries: false));
        }
        if (options.MetricsEnabled)
        {
            // Admin-only once keys or an admin key are configured (Prometheus: `authorization: credentials: ...`),
            // local callers only without them, unless Sfu:Telemetry:MetricsOpen says every caller may scrape.
            app.UseAdminOnly(options.MetricsPath, options.MetricsOpen);
            if (options.MetricsPort > 0)
            {
                var port = options.MetricsPort;
                app.UseOpenTelemetryPrometheusScrapingEndpoint(
                    meterProvider: null,
                    predicate: c => c.Connection.LocalPort == port && c.Request.Path == options.MetricsPath,
                    path: options.MetricsPath,
                    configureBranchedPipeline: null,
                    optionsName: null);
            }
            else
            {
                app.MapPrometheusScrapingEndpoint(options.MetricsPath);
            }
        }

        app.MapSfuHealth();
        app.MapDashboard();
        return app;
    }
}
