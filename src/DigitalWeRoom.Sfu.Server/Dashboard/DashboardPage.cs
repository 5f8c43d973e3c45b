namespace DigitalWeRoom.Sfu.Server.Dashboard;

/// <summary>
/// <c>GET /dashboard</c>: a static page (wwwroot/dashboard.html + js/dashboard.js, no external scripts)
/// that polls <c>/api/stats</c> and draws live numbers and small canvas charts. The page itself holds
/// no data; the stats API enforces the admin key (the page asks for it and sends it as a bearer token).
/// </summary>
public static class DashboardPage
{
    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapStatsApi();
        app.MapGet("/dashboard", (IWebHostEnvironment env) =>
        {
            var file = env.WebRootFileProvider.GetFileInfo("dashboard.html");
            return file.Exists
                ? Results.File(file.CreateReadStream(), "text/html; charset=utf-8")
                : Results.NotFound();
        });
        return app;
    }
}
