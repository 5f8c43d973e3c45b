using DigitalWeRoom.Sfu.Server.Deploy;
using DigitalWeRoom.Sfu.Server.Proxy;

if (args is ["deploy", ..])
{
    Environment.ExitCode = await DeployCommand.RunAsync(args[1..], Console.Out, Console.Error);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddTrustedProxies(builder.Configuration);
var app = builder.Build();
app.UseTrustedProxies();
app.UseThemeFiles();
app.MapGet("/healthz/live", () => Results.Ok(new { status = "live" }));
app.MapDeployWidget();
app.Run();
public partial class Program;
