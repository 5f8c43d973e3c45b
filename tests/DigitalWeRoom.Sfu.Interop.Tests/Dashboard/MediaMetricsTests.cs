using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;
using DigitalWeRoom.Sfu.Server.Tests.Telemetry;

namespace DigitalWeRoom.Sfu.Interop.Tests.Dashboard;

/// <summary>
/// Issue #5 with real Chromium publishers: a room goes p2p → sfu when a third joins, and the scraped
/// media series (packets, bytes by kind and direction, switches, RTT from Chromium's receiver reports, sampled
/// forward latency) move; /api/stats shows a bitrate.
/// </summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class MediaMetricsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Chromium_publishers_move_the_media_series_when_the_room_goes_through_the_server()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Telemetry:SampleInterval"] = "00:00:00.250" });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var a = await host.OpenAsync("metered", "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("metered", "bob");
        await Dwr.WaitForModeAsync(a, "p2p");
        var c = await host.OpenAsync("metered", "carol");
        await Dwr.WaitForModeAsync(c, "sfu");
        await Dwr.WaitForModeAsync(a, "sfu");

        var deadline = DateTime.UtcNow.AddSeconds(30);
        PrometheusText scrape;
        while (true)
        {
            scrape = PrometheusText.Parse(await http.GetStringAsync("/metrics"));
            double Get(string name, params (string, string)[] labels) =>
                scrape.Series(name).Where(s => labels.All(l => s[l.Item1] == l.Item2)).Sum(s => s.Value);
            if (Get("sfu_packets_total", ("direction", "in"), ("kind", "video")) > 50 && Get("sfu_packets_total", ("direction", "out"), ("kind", "video")) > 50
                && Get("sfu_packets_total", ("direction", "in"), ("kind", "audio")) > 50 && Get("sfu_packets_total", ("direction", "out"), ("kind", "audio")) > 50
                && Get("sfu_rtt_seconds_count") > 0 && Get("sfu_forward_latency_seconds_count") > 0)
            {
                // Chromium's receiver reports answer our SRs (RTT, RFC 3550 §6.4.1); forwarded packets are timed 1 in 64.
                Assert.InRange(Get("sfu_rtt_seconds_sum") / Get("sfu_rtt_seconds_count"), 0, 1);
                Assert.InRange(Get("sfu_forward_latency_seconds_sum") / Get("sfu_forward_latency_seconds_count"), 0, 0.5);
                Assert.Equal(2, scrape.Series("sfu_packets_lost_total").Count());
                Assert.True(Get("sfu_plis_total", ("direction", "out")) >= 1, "key frames asked of the publishers");
                output.WriteLine($"RTT mean {1000 * Get("sfu_rtt_seconds_sum") / Get("sfu_rtt_seconds_count"):0.000} ms over {Get("sfu_rtt_seconds_count")} reports; "
                    + $"forward latency mean {1e6 * Get("sfu_forward_latency_seconds_sum") / Get("sfu_forward_latency_seconds_count"):0.0} µs over {Get("sfu_forward_latency_seconds_count")} samples; "
                    + $"lost in {Get("sfu_packets_lost_total", ("direction", "in"))}, out {Get("sfu_packets_lost_total", ("direction", "out"))}; "
                    + $"PLI in {Get("sfu_plis_total", ("direction", "in"))}, out {Get("sfu_plis_total", ("direction", "out"))}; NACK in {Get("sfu_nacks_total", ("direction", "in"))}");
                Assert.True(Get("sfu_bytes_total", ("direction", "in"), ("kind", "video")) > 10_000);
                Assert.True(Get("sfu_bytes_total", ("direction", "out"), ("kind", "video")) > 10_000);
                Assert.Equal(1, Get("sfu_rooms", ("mode", "sfu")));
                Assert.Equal(3, Get("sfu_participants", ("mode", "sfu")));
                Assert.True(Get("sfu_mode_switches_total", ("from", "p2p"), ("to", "sfu")) >= 1);
                Assert.True(Get("sfu_mode_switches_total", ("from", "switching"), ("to", "p2p")) >= 1);
                Assert.True(Get("sfu_tracks_subscribed", ("kind", "video")) >= 6);
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "media series did not move: " +
                string.Join(", ", scrape.Series("sfu_packets_total").Select(s => $"{s["direction"]}/{s["kind"]}/{s["transmission"]}={s.Value}"))
                + $"; rtt samples {Get("sfu_rtt_seconds_count")}, forward latency samples {Get("sfu_forward_latency_seconds_count")}");
            await Task.Delay(250);
        }

        var stats = await http.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.True(stats.GetProperty("packetsIn").GetInt64() > 0);
        await Task.Delay(600);
        stats = await http.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.True(stats.GetProperty("bitrateIn").GetDouble() > 10_000, "bitrate in: " + stats.GetProperty("bitrateIn"));
        Assert.True(stats.GetProperty("bitrateOut").GetDouble() > 10_000, "bitrate out: " + stats.GetProperty("bitrateOut"));

        var ready = await http.GetFromJsonAsync<JsonElement>("/healthz/ready");
        Assert.StartsWith("udp bound on", ready.GetProperty("checks").GetProperty("udp").GetProperty("description").GetString(), StringComparison.Ordinal);
        _ = b;
    }
}
