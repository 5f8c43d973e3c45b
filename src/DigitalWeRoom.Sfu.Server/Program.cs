using DigitalWeRoom.Sfu.Server;
using DigitalWeRoom.Sfu.Server.Deploy;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Proxy;
using DigitalWeRoom.Sfu.Server.Signaling;

if (args is ["deploy", ..])
{
    Environment.ExitCode = await DeployCommand.RunAsync(args[1..], Console.Out, Console.Error);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddSfuOptions();
builder.Services.AddTrustedProxies(builder.Configuration);
builder.Services.AddSfuRooms();
builder.Services.AddSfuMedia();

var app = builder.Build();
app.UseTrustedProxies();
app.UseSfuWebSockets();
app.UseThemeFiles();
app.UseMeetingPage();
app.MapSignaling();
app.MapRoomApi();
app.MapGet("/healthz/live", () => Results.Ok(new { status = "live" }));
app.MapDeployWidget();
app.Run();

public partial class Program;
