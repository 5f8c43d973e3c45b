using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Auth;

public static class AuthServiceExtensions
{
    /// <summary>Binds and validates <c>Sfu:Auth</c> and registers the token service, join authorizer and admin check.</summary>
    public static WebApplicationBuilder AddSfuAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RoomTokenService>();
        builder.Services.AddSingleton<AdminAuthorization>();
        builder.Services.TryAddSingleton<IJoinAuthorizer, TokenJoinAuthorizer>();
        return builder;
    }
}
