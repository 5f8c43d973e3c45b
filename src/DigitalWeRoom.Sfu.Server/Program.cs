using DigitalWeRoom.Sfu.Server;
using DigitalWeRoom.Sfu.Server.Deploy;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Cluster;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Memory;
using DigitalWeRoom.Sfu.Server.Proxy;
using DigitalWeRoom.Sfu.Server.Signaling;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Webhooks;

if (TokenCommand.TryRun(args))
{
    return;
}

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
builder.AddSfuAuth();
builder.AddSfuWebhooks();
builder.AddSfuTelemetry();
builder.AddSfuCluster();
builder.AddSfuHeapTrim();

var app = builder.Build();
app.UseTrustedProxies();
app.UseSfuWebSockets();
app.UseThemeFiles();
app.UseMeetingPage();
app.UseAdminRequestGuard();
app.UseSfuCluster();
app.MapSignaling();
app.MapRoomApi();
app.MapTokenApi();
app.UseAdminOnly("/deploy/bundle", open: app.Configuration.GetValue<bool>("Sfu:Deploy:BundleOpen"));
app.MapDeployWidget();
app.MapTelemetry();
app.Run();

public partial class Program;
