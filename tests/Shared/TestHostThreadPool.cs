using System.Runtime.CompilerServices;

namespace DigitalWeRoom.Sfu.Tests.Shared;

/// <summary>
/// The test host keeps two thread-pool threads blocked for the whole run (the test platform's message loop polls its
/// socket, and xUnit's runner waits for the assembly), and on this 2-core machine the pool's minimum is 2: every
/// in-process server then starts with no free pool thread, and work queued after a quiet spell waits for the pool to
/// grow, one thread per 500 ms. A relay on the pool stalled 0.9 s that way (DelayReorderTests). The server in
/// production has its minimum free, so the test process gives back the two threads the host takes.
/// </summary>
internal static class TestHostThreadPool
{
    private const int HeldByTestHost = 2;

#pragma warning disable CA2255 // A module initializer in a test assembly: it runs before any test, which is the point.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void GiveBackHeldThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(workers + HeldByTestHost, completionPorts);
    }
}
