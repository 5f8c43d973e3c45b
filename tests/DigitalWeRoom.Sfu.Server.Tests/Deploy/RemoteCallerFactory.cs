using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// The real app on the in-memory test server, every request arriving from <paramref name="remote"/> (the test
/// server itself sets no remote address, and the operator endpoints answer only local callers without keys).
/// </summary>
public class RemoteCallerFactory(IPAddress remote, Dictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Sfu:Udp:Port", "0");
        builder.UseSetting("Sfu:Udp:BindAddress", "127.0.0.1");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new RemoteAddressFilter(remote)));
    }

    private sealed class RemoteAddressFilter(IPAddress remote) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = remote;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>The app as the operator's own machine sees it: every request from 127.0.0.1.</summary>
public sealed class LocalCallerFactory() : RemoteCallerFactory(IPAddress.Loopback, []);
