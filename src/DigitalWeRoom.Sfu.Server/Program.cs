using DigitalWeRoom.Sfu.Server;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Signaling;
using DigitalWeRoom.Sfu.Server.Webhooks;

if (TokenCommand.TryRun(args))
{
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddSfuOptions();
builder.Services.AddSfuRooms();
builder.AddSfuAuth();
builder.AddSfuWebhooks();

var app = builder.Build();
app.UseSfuWebSockets();
app.UseMeetingPage();
app.MapSignaling();
app.MapRoomApi();
app.MapTokenApi();
app.MapGet("/healthz/live", () => Results.Ok(new { status = "live" }));
app.Run();

public partial class Program;
