using DigitalWeRoom.Sfu.Rooms;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Memory;

public static class HeapTrimExtensions
{
    /// <summary>Registers <see cref="HeapTrim"/> with <c>Sfu:Memory</c>.</summary>
    public static WebApplicationBuilder AddSfuHeapTrim(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<HeapTrimOptions>().Bind(builder.Configuration.GetSection(HeapTrimOptions.SectionName))
            .Validate(o => o.SettleDelay >= TimeSpan.Zero && o.MinInterval >= TimeSpan.Zero, "Sfu:Memory:SettleDelay and MinInterval must not be negative")
            .ValidateOnStart();
        builder.Services.AddHostedService(sp => new HeapTrim(sp.GetRequiredService<RoomRegistry>().Events, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<HeapTrimOptions>>(), sp.GetRequiredService<ILogger<HeapTrim>>()));
        return builder;
    }
}
