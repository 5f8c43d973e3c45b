using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// Serves the optional theme at <c>/theme/*</c> from <c>Sfu:Theme:Directory</c> (default <c>wwwroot/theme</c>
/// under the content root). On the grid the VM's start script clones the wizard's git url there; the meeting
/// page links <c>/theme/theme.css</c> and shows <c>/theme/logo.svg</c> when present. Without the directory nothing is mapped.
/// </summary>
/// <remarks>
/// The clone is someone else's repository on the meeting origin (issue #12, finding 4), so: only stylesheets, images
/// and fonts are served (no HTML, no script); every answer carries a policy under which nothing runs
/// (<c>default-src 'none'</c>, <c>sandbox</c>) and <c>nosniff</c>; nothing reached through a symbolic link is served
/// (a link to /etc/passwd or to a directory outside the theme); dot-files (the clone's .git) and directory listings never.
/// </remarks>
internal static class ThemeFiles
{
    public const string ConfigurationKey = "Sfu:Theme:Directory";

    /// <summary>Stylesheets may use the theme's own images and fonts; nothing else loads and nothing runs.</summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; sandbox; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".css"] = "text/css",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".avif"] = "image/avif",
        [".svg"] = "image/svg+xml",
        [".ico"] = "image/x-icon",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
        [".ttf"] = "font/ttf",
        [".otf"] = "font/otf",
    };

    public static WebApplication UseThemeFiles(this WebApplication app)
    {
        var directory = ResolveDirectory(app.Configuration, app.Environment);
        if (!Directory.Exists(directory))
        {
            return app;
        }

        var types = new FileExtensionContentTypeProvider();
        types.Mappings.Clear();
        foreach (var (extension, type) in ContentTypes)
        {
            types.Mappings[extension] = type;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new NoLinkFileProvider(directory),
            RequestPath = "/theme",
            ContentTypeProvider = types,
            ServeUnknownFileTypes = false,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            },
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

    /// <summary>
    /// The theme directory without symbolic links: a file is served only when neither it nor any directory between it
    /// and the root is a link. No listings.
    /// </summary>
    private sealed class NoLinkFileProvider(string root) : IFileProvider
    {
        private readonly PhysicalFileProvider _inner = new(root);
        private readonly string _root = Path.GetFullPath(root);

        public IFileInfo GetFileInfo(string subpath)
        {
            IFileInfo info = _inner.GetFileInfo(subpath);
            return info.Exists && !info.IsDirectory && info.PhysicalPath is { } path && !ThroughLink(path)
                ? info
                : new NotFoundFileInfo(subpath);
        }

        public IDirectoryContents GetDirectoryContents(string subpath) => NotFoundDirectoryContents.Singleton;

        public IChangeToken Watch(string filter) => NullChangeToken.Singleton;

        private bool ThroughLink(string path)
        {
            string full = Path.GetFullPath(path);
            if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return true;
            }

            for (string? at = full; at is not null && at.Length > _root.Length; at = Path.GetDirectoryName(at))
            {
                if (new FileInfo(at).LinkTarget is not null)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
