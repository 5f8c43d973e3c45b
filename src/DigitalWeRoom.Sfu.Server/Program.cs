using DigitalWeRoom.Sfu.Server;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Signaling;
using DigitalWeRoom.Sfu.Server.Telemetry;

var builder = WebApplication.CreateBuilder(args);
builder.AddSfuOptions();
builder.Services.AddSfuRooms();
builder.AddSfuTelemetry();

var app = builder.Build();
app.UseSfuWebSockets();
app.UseMeetingPage();
app.MapSignaling();
app.MapRoomApi();
app.MapTelemetry();
app.Run();

public partial class Program;
