using Microsoft.Extensions.FileProviders;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// Serves the optional theme at <c>/theme/*</c> from <c>Sfu:Theme:Directory</c> (default <c>wwwroot/theme</c>
/// under the content root). On the grid the VM's start script clones the wizard's git url there; the meeting
/// page links <c>/theme/theme.css</c> and shows <c>/theme/logo.svg</c> when present. Without the directory nothing is mapped.
/// Dot-files (the clone's .git) are never served.
/// </summary>
internal static class ThemeFiles
{
    public const string ConfigurationKey = "Sfu:Theme:Directory";

    public static WebApplication UseThemeFiles(this WebApplication app)
    {
        var directory = ResolveDirectory(app.Configuration, app.Environment);
        if (!Directory.Exists(directory))
        {
            return app;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(directory),
            RequestPath = "/theme",
            ServeUnknownFileTypes = false,
        });
        return app;
    }

    public static string ResolveDirectory(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[ConfigurationKey];
        return string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(environment.ContentRootPath, "wwwroot", "theme")
            : Path.GetFullPath(configured, environment.ContentRootPath);
    }
}
