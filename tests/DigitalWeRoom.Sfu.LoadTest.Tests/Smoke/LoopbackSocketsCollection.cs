namespace DigitalWeRoom.Sfu.LoadTest.Tests.Smoke;

/// <summary>The socket-heavy runs go one at a time: in parallel they starve each other's receive threads on 2 cores.</summary>
[CollectionDefinition("loopback-sockets", DisableParallelization = true)]
public class LoopbackSocketsCollection
{
}
