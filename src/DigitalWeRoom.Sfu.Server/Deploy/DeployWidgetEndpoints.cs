using System.Net;
using System.Text;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Deploy;

/// <summary>
/// The deploy wizard at <c>/deploy</c>: the form (embeddable in an iframe on any site), its script and style, and
/// <c>POST /deploy/bundle</c>, which validates the fields and answers a zip of the Terraform bundle, or 400 with
/// <c>{"errors":[{"field":"name","message":"..."}]}</c>.
/// </summary>
internal static class DeployWidgetEndpoints
{
    /// <summary>Form posts are a few hundred bytes; an SSH key is at most 8 KiB.</summary>
    public const long MaxRequestBytes = 32 * 1024;

    private static readonly Lazy<string> Page = new(RenderPage);

    public static IEndpointRouteBuilder MapDeployWidget(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/deploy", (HttpContext context) =>
        {
            AllowFraming(context);
            return Results.Content(Page.Value, "text/html; charset=utf-8");
        });
        endpoints.MapGet("/deploy/deploy.js", (HttpContext context) =>
        {
            AllowFraming(context);
            return Results.Content(TfGridBundle.ReadResource("Deploy.Page.deploy.js"), "text/javascript; charset=utf-8");
        });
        endpoints.MapGet("/deploy/deploy.css", (HttpContext context) =>
        {
            AllowFraming(context);
            return Results.Content(TfGridBundle.ReadResource("Deploy.Page.deploy.css"), "text/css; charset=utf-8");
        });
        endpoints.MapPost("/deploy/bundle", (Func<HttpContext, Task<IResult>>)CreateBundleAsync);
        return endpoints;
    }

    private static async Task<IResult> CreateBundleAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxRequestBytes)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        if (!context.Request.HasFormContentType)
        {
            return Problem(new DeployFieldError("form", "send the fields as application/x-www-form-urlencoded or multipart/form-data."));
        }

        // A chunked body has no Content-Length: the cap is on the bytes read, and the form is parsed from them only.
        if (await ReadBoundedAsync(context.Request.Body, MaxRequestBytes, context.RequestAborted) is not { } body)
        {
            return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }

        context.Request.Body = new MemoryStream(body, writable: false);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var (request, sshError) = FromForm(form);
        var errors = new List<DeployFieldError>(DeployRequestValidator.Validate(request));
        if (sshError is not null)
        {
            errors.Add(sshError);
        }

        if (errors.Count > 0)
        {
            return Problem([.. errors]);
        }

        var files = TfGridBundle.Generate(request);
        var folder = TfGridBundle.FolderName(request);
        var buffer = new MemoryStream();
        TfGridBundle.WriteZip(files, buffer, folder);
        return Results.File(buffer.ToArray(), "application/zip", folder + ".zip");
    }

    /// <summary>The whole body if it is at most <paramref name="limit"/> bytes; null as soon as it is longer.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Maps form fields to a request; <c>ssh=yes</c> with no key is an error, <c>ssh=no</c> drops any key.</summary>
    internal static (DeployRequest Request, DeployFieldError? SshError) FromForm(IFormCollection form)
    {
        var sshWanted = string.Equals(form["ssh"].ToString(), "yes", StringComparison.OrdinalIgnoreCase);
        var key = sshWanted ? form["ssh_key"].ToString() : null;
        var request = new DeployRequest(
            form["size"].ToString(), form["location"].ToString(), form["name"].ToString(),
            form["domain"].ToString(), form["git_url"].ToString(), key, form["who_may_join"].ToString()).Normalize();
        var sshError = sshWanted && request.SshKey is null
            ? new DeployFieldError("ssh_key", "paste your public key, or choose No for SSH access.")
            : null;
        return (request, sshError);
    }

    private static IResult Problem(params DeployFieldError[] errors) =>
        Results.Json(
            new DeployProblem(errors.Select(e => new DeployProblemField(e.Field, e.Message))), ApiJsonContext.Default.DeployProblem,
            statusCode: StatusCodes.Status400BadRequest);

    /// <summary>
    /// The page is meant to sit in an iframe on the project's site, so it drops any X-Frame-Options another
    /// middleware may add and says so with CSP frame-ancestors instead.
    /// </summary>
    private static void AllowFraming(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var response = ((HttpContext)state).Response;
            response.Headers.Remove("X-Frame-Options");
            response.Headers.ContentSecurityPolicy =
                "default-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'self'";
            response.Headers.XContentTypeOptions = "nosniff";
            return Task.CompletedTask;
        }, context);
    }

    private static string RenderPage()
    {
        static string Options(IEnumerable<(string Value, string Label)> items) =>
            string.Join('\n', items.Select(i =>
                $"      <option value=\"{WebUtility.HtmlEncode(i.Value)}\">{WebUtility.HtmlEncode(i.Label)}</option>"));

        var html = TfGridBundle.ReadResource("Deploy.Page.deploy.html");
        return new StringBuilder(html)
            .Replace("{{SIZE_OPTIONS}}", Options(DeployCatalog.Sizes.Select(s => (s.Name, $"{s.Name}: {s.Summary}"))))
            .Replace("{{LOCATION_OPTIONS}}", Options(DeployCatalog.Locations))
            .Replace("{{DOMAIN_OPTIONS}}", Options(DeployCatalog.Domains.Select(d => (d, d))))
            .Replace("{{WHO_MAY_JOIN_OPTIONS}}", Options(DeployCatalog.WhoMayJoin))
            .ToString();
    }
}
