namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>
/// The load generator's own garbage collections (counts by generation, total pause time), read at the edges of the
/// measured window: whether a latency tail of every probe at once was this process pausing its receive threads.
/// </summary>
internal readonly record struct GeneratorGc(int Gen0, int Gen1, int Gen2, double PauseMs)
{
    public static GeneratorGc Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

    public static GeneratorGc operator -(GeneratorGc end, GeneratorGc start) =>
        new(end.Gen0 - start.Gen0, end.Gen1 - start.Gen1, end.Gen2 - start.Gen2, end.PauseMs - start.PauseMs);
}
