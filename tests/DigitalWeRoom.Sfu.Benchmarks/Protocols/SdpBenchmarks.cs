using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Benchmarks.Protocols;

/// <summary>Parsing and writing Chromium's simulcast offer (3 m-sections, 172 lines). Signaling path, not per packet.</summary>
[MemoryDiagnoser]
public class SdpBenchmarks
{
    private string _offer = "";
    private SessionDescription _parsed = new();

    [GlobalSetup]
    public void Setup()
    {
        _offer = File.ReadAllText(FindFixture("offer-simulcast.sdp"));
        if (!SdpParser.TryParse(_offer, out _parsed, out SdpParseError error))
        {
            throw new InvalidOperationException(error.ToString());
        }
    }

    [Benchmark]
    public bool Parse() => SdpParser.TryParse(_offer, out _, out _);

    [Benchmark]
    public string Write() => SdpWriter.Write(_parsed);

    /// <summary>BenchmarkDotNet runs from a generated folder under bin/, so look upwards for the test fixtures.</summary>
    private static string FindFixture(string name)
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "DigitalWeRoom.Sfu.Protocols.Tests", "Fixtures", "chromium-156", name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException(name);
    }
}
