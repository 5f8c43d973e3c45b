using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

public static class WebhookServiceExtensions
{
    /// <summary>Binds <c>Sfu:Webhooks</c>; registers the notifier and its room-event sink (idle when no URLs are set).</summary>
    public static WebApplicationBuilder AddSfuWebhooks(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        builder.Services.AddSingleton(sp => new WebhookNotifier(
            sp.GetRequiredService<IOptions<WebhookOptions>>(), sp.GetRequiredService<IOptions<AuthOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<WebhookNotifier>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookNotifier>());
        builder.Services.AddHostedService<WebhookRoomEvents>();
        return builder;
    }
}

/// <summary>Start-up checks: absolute http(s) URLs, a signing key, positive bounds.</summary>
public sealed class WebhookOptionsValidator(IOptions<AuthOptions> auth) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var errors = new List<string>();
        foreach (string url in options.Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            {
                errors.Add($"{WebhookOptions.SectionName}:Urls: '{url}' is not an absolute http(s) URL.");
            }
        }

        if (options.Urls.Count > 0)
        {
            Dictionary<string, string> keys = auth.Value.Keys;
            if (keys.Count == 0)
            {
                errors.Add($"{WebhookOptions.SectionName}: webhooks are signed with an API secret; configure {AuthOptions.SectionName}:Keys.");
            }
            else if (options.ApiKey is not null && !keys.ContainsKey(options.ApiKey))
            {
                errors.Add($"{WebhookOptions.SectionName}:ApiKey '{options.ApiKey}' is not in {AuthOptions.SectionName}:Keys.");
            }
        }

        if (options.QueueCapacity < 1 || options.MaxAttempts < 1 || options.InitialBackoff <= TimeSpan.Zero
            || options.MaxBackoff < options.InitialBackoff || options.RequestTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{WebhookOptions.SectionName}: QueueCapacity, MaxAttempts, backoffs and RequestTimeout must be positive (MaxBackoff ≥ InitialBackoff).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
