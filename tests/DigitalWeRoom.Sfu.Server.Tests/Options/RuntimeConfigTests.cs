using System.Text.Json;

namespace DigitalWeRoom.Sfu.Server.Tests.Options;

/// <summary>The runtime settings the server ships with (its runtimeconfig.json, as built and as published).</summary>
public sealed class RuntimeConfigTests
{
    private static JsonElement ConfigProperties()
    {
        string path = Path.Combine(Path.GetDirectoryName(typeof(Program).Assembly.Location)!, "DigitalWeRoom.Sfu.Server.runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }

    [Fact]
    public void Thread_pool_workers_sleep_without_spinning_first()
    {
        // docs/benchmarks.md: the pool's spin-wait was 29 % of the server's CPU in a 6-person meeting.
        Assert.Equal(0, ConfigProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }

    [Fact]
    public void Workstation_gc_with_background_collections()
    {
        // docs/benchmarks.md, per-subscriber memory: Server GC committed 150 KB per additional idle subscriber, workstation 59 KB.
        Assert.False(ConfigProperties().GetProperty("System.GC.Server").GetBoolean());
        Assert.True(ConfigProperties().GetProperty("System.GC.Concurrent").GetBoolean());
    }
}
