namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>How the multi-namespace test topologies are made: only from a loopback-only namespace, torn down on failure.</summary>
internal static class NamespaceTopology
{
    /// <summary>A tag for this test process's namespace and link names.</summary>
    public static string Tag => (Environment.ProcessId % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Builds <paramref name="topology"/> with <paramref name="build"/>; disposes it when a step fails.</summary>
    public static T Create<T>(T topology, Action<T> build)
        where T : IDisposable
    {
        var links = ClientNamespace.Run("ip", "-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!links.All(l => l.Contains(": lo:", StringComparison.Ordinal)))
        {
            topology.Dispose();
            throw new InvalidOperationException("the topology is made only from a loopback-only namespace (run via test.sh or `ip netns exec`): " + string.Join(" | ", links));
        }

        try
        {
            build(topology);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }
}
