using DigitalWeRoom.Sfu.LoadTest.Runner;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Runner;

public class ProcessSamplerTests
{
    [Fact]
    public void ParsesUtimeAndStime_EvenWithSpacesAndParensInTheName()
    {
        string stat = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 150 0 0 20 0 8 0 100 1000000 5000 18446744073709551615";
        Assert.True(ProcessSampler.TryParseStat(stat, out double cpu));
        Assert.Equal(4.0, cpu, 6);
        Assert.False(ProcessSampler.TryParseStat("garbage", out _));
    }

    [Fact]
    public void ParsesRss()
    {
        Assert.Equal(123456L * 1024, ProcessSampler.ParseRss("Name:\tx\nVmPeak:\t  999 kB\nVmRSS:\t  123456 kB\nThreads: 3\n"));
        Assert.Equal(0, ProcessSampler.ParseRss("Name:\tx\n"));
    }

    [Fact]
    public void ReadsOwnProcess()
    {
        if (!OperatingSystem.IsLinux()) return;
        var sample = new ProcessSampler(Environment.ProcessId).Read();
        Assert.True(sample.CpuSeconds > 0);
        Assert.True(sample.RssBytes > 10 * 1024 * 1024);
    }
}
