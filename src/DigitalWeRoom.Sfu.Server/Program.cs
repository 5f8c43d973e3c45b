using DigitalWeRoom.Sfu.Server;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Signaling;

var builder = WebApplication.CreateBuilder(args);
builder.AddSfuOptions();
builder.Services.AddSfuRooms();

var app = builder.Build();
app.UseSfuWebSockets();
app.UseMeetingPage();
app.MapSignaling();
app.MapRoomApi();
app.MapGet("/healthz/live", () => Results.Ok(new { status = "live" }));
app.Run();

public partial class Program;
