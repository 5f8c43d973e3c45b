using DigitalWeRoom.Sfu.Server.Networking;
using Microsoft.AspNetCore.HttpOverrides;

namespace DigitalWeRoom.Sfu.Server.Proxy;

/// <summary>
/// Forwarded headers from configured proxies only. Behind the grid's web gateway (TLS terminated there) this makes
/// <c>Request.Scheme</c> https, <c>Request.Host</c> the public name and <c>Connection.RemoteIpAddress</c> the
/// client, while a client that reaches the VM directly cannot spoof them: requests from any other source keep
/// their own connection values. With no proxy configured no forwarded header is ever honoured (ASP.NET Core's
/// default of trusting loopback is removed).
/// </summary>
internal static class TrustedProxyExtensions
{
    /// <exception cref="InvalidOperationException">An entry of <c>Proxy:TrustedProxies</c> does not parse.</exception>
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new TrustedProxyOptions();
        configuration.GetSection(TrustedProxyOptions.SectionName).Bind(settings);
        var networks = Parse(settings);
        services.AddSingleton(new TrustedProxyNetworks(networks));

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                | ForwardedHeaders.XForwardedHost;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the default 127.0.0.0/8 and is still consulted.
            options.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(network);
            }

            options.ForwardLimit = Math.Max(1, settings.ForwardLimit);
            // The grid gateway may send X-Forwarded-For without X-Forwarded-Host; take what is there.
            options.RequireHeaderSymmetry = false;
        });
        return services;
    }

    /// <summary>
    /// Adds the forwarded-headers middleware when at least one proxy is configured. NOTE: with empty
    /// KnownProxies and KnownIPNetworks the ASP.NET Core middleware skips the source check and believes
    /// everyone, so with no proxy configured it must not run at all.
    /// </summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var trusted = app.ApplicationServices.GetService<TrustedProxyNetworks>();
        return trusted is { Networks.Count: > 0 } ? app.UseForwardedHeaders() : app;
    }

    internal static IReadOnlyList<System.Net.IPNetwork> Parse(TrustedProxyOptions settings)
    {
        var networks = new List<System.Net.IPNetwork>(settings.TrustedProxies.Count);
        foreach (var entry in settings.TrustedProxies)
        {
            if (string.IsNullOrWhiteSpace(entry))
            {
                continue;
            }

            if (!IPPrefix.TryParse(entry, out var network))
            {
                throw new InvalidOperationException(
                    $"{TrustedProxyOptions.SectionName}:TrustedProxies: '{entry}' is not an IP address or CIDR network.");
            }

            networks.Add(network.Value);
        }

        return networks;
    }
}

/// <summary>The parsed <c>Proxy:TrustedProxies</c>, registered by <see cref="TrustedProxyExtensions.AddTrustedProxies"/>.</summary>
internal sealed record TrustedProxyNetworks(IReadOnlyList<System.Net.IPNetwork> Networks);
