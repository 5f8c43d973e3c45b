namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Parses_types_labels_escapes_special_values_and_timestamps()
    {
        var text = PrometheusText.Parse("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000
            # A normal comment.
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            metric_without_timestamp_and_labels 12.47
            something_weird{problem="division by zero"} +Inf -3982045
            # TYPE rpc_duration_seconds histogram
            rpc_duration_seconds_bucket{le="0.05"} 24054
            rpc_duration_seconds_bucket{le="+Inf"} 144320
            rpc_duration_seconds_sum 53423
            rpc_duration_seconds_count 144320
            nan_value NaN
            """.Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.Equal("counter", text.TypeOf["http_requests_total"]);
        Assert.Equal("histogram", text.TypeOf["rpc_duration_seconds"]);
        Assert.Equal("The total number of HTTP requests.", text.HelpOf["http_requests_total"]);
        Assert.Equal(1027, text.Value("http_requests_total", ("code", "200")));
        Assert.Equal(1395066363000, text.Find("http_requests_total", ("code", "400"))!.TimestampMs);
        Assert.Equal(3, text.Value("http_requests_total", ("code", "400")));
        var msdos = Assert.Single(text.Series("msdos_file_access_time_seconds"));
        Assert.Equal("C:\\DIR\\FILE.TXT", msdos["path"]);
        Assert.Equal("Cannot find file:\n\"FILE.TXT\"", msdos["error"]);
        Assert.Equal(1.458255915e9, msdos.Value);
        Assert.Equal(12.47, text.Value("metric_without_timestamp_and_labels"));
        Assert.Equal(double.PositiveInfinity, text.Value("something_weird"));
        Assert.Equal(-3982045, text.Find("something_weird")!.TimestampMs);
        Assert.Equal(144320, text.Value("rpc_duration_seconds_bucket", ("le", "+Inf")));
        Assert.True(double.IsNaN(text.Value("nan_value")));
    }

    [Theory]
    [InlineData("bad-name 1")]
    [InlineData("m{a=\"1\" 2")]
    [InlineData("m{a=1} 2")]
    [InlineData("m{a=\"1\",a=\"2\"} 2")]
    [InlineData("m{a=\"\\x\"} 2")]
    [InlineData("m{1a=\"1\"} 2")]
    [InlineData("m twelve")]
    [InlineData("m 1 2 3")]
    [InlineData("m{a=\"1\"}2")]
    [InlineData("# TYPE m countr")]
    [InlineData("# TYPE m counter\n# TYPE m gauge")]
    public void Rejects_what_Prometheus_rejects(string text) =>
        Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
}
