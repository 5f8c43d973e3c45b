using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Signaling;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server;

/// <summary>Composition of the host: each piece is one call in Program.cs.</summary>
public static class SfuServerExtensions
{
    /// <summary>Binds and validates the <c>Sfu</c> options tree and applies <c>Sfu:Http:Listen</c> unless <c>urls</c> is set.</summary>
    public static WebApplicationBuilder AddSfuOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SfuOptions>().Bind(builder.Configuration.GetSection(SfuOptions.SectionName))
            // A deployment template leaves a TURN URL it does not use empty (compose: Sfu__Turn__Urls__0: "${TURN_URL_UDP:-}").
            .PostConfigure(o => o.Turn.Urls.RemoveAll(string.IsNullOrWhiteSpace))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SfuOptions>, SfuOptionsValidator>();
        builder.Services.AddSingleton<AnnouncedAddresses>();
        // Request bodies of the minimal APIs (token, mute) read with source-generated metadata, not reflection.
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, Endpoints.ApiJsonContext.Default));
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            var listen = builder.Configuration[$"{SfuOptions.SectionName}:Http:Listen"] ?? new HttpSettings().Listen;
            builder.WebHost.UseUrls(listen);
        }

        return builder;
    }

    /// <summary>Rooms, signaling and the default (no server media) session factory; the SFU wiring registers its own factory first.</summary>
    public static IServiceCollection AddSfuRooms(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMediaSessionFactory, NullMediaSessionFactory>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<SfuOptions>>().Value;
            return new RoomSettings
            {
                P2PEnabled = o.P2PEnabled,
                BackToP2PDelay = o.BackToP2PDelay,
                P2PConnectTimeout = o.P2PConnectTimeout,
                MaxRooms = o.Limits.MaxRooms,
                MaxParticipantsPerRoom = o.Limits.MaxParticipantsPerRoom,
                PresenceBatchAbove = o.Limits.PresenceBatchAbove,
                PresenceBatchWindow = o.Limits.PresenceBatchWindow,
                MaxChatLength = o.Limits.MaxChatLength,
                MaxTracksPerParticipant = o.Limits.MaxTracksPerParticipant,
                IceRestartsPerMinute = o.Limits.IceRestartsPerMinute,
                IceRestartMinInterval = o.Limits.IceRestartMinInterval,
                VideoCodecs = [.. o.Media.VideoCodecPreference.Select(c => Rooms.Negotiation.VideoCodecCatalog.Canonical(c) ?? c)],
            };
        });
        services.AddSingleton<RoomRegistry>();
        services.AddSingleton<JoinRateLimiter>();
        services.AddSingleton<Networking.RoomSummaryRateLimiter>();
        services.AddSingleton<ConnectionLimiter>();
        services.AddSingleton<Networking.OriginPolicy>();
        return services;
    }

    /// <summary>The server media path (UDP port, routers, per-participant sessions); without it rooms are P2P-only.</summary>
    public static IServiceCollection AddSfuMedia(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SfuMediaHost(
            SfuMediaHostedService.Settings(sp.GetRequiredService<IOptions<SfuOptions>>().Value, sp.GetRequiredService<AnnouncedAddresses>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IMediaSessionFactory>(sp => sp.GetRequiredService<SfuMediaHost>());
        services.AddHostedService<SfuMediaHostedService>();
        services.AddSingleton(sp => new Turn.TurnRestCredentials(sp.GetRequiredService<IOptions<SfuOptions>>().Value.Turn, sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    public static WebApplication UseSfuWebSockets(this WebApplication app)
    {
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15), KeepAliveTimeout = TimeSpan.FromSeconds(15) });
        return app;
    }
}
