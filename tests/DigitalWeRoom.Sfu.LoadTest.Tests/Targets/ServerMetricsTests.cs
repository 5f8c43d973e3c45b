using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Targets;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Targets;

public class ServerMetricsTests
{
    // Lines as the server's /metrics writes them (two meters count queue_overflow: the transport and the media layer).
    private const string Text = """
        # TYPE sfu_packets_dropped_total counter
        # HELP sfu_packets_dropped_total Dropped input by reason.
        sfu_packets_dropped_total{otel_scope_name="DigitalWeRoom.Sfu.Transport",node_id="vm",reason="truncated",region="local"} 0
        sfu_packets_dropped_total{otel_scope_name="DigitalWeRoom.Sfu.Transport",node_id="vm",reason="queue_overflow",region="local"} 1042462
        sfu_packets_dropped_total{otel_scope_name="DigitalWeRoom.Sfu.Media",node_id="vm",reason="queue_overflow",region="local"} 38
        sfu_packets_dropped_total{otel_scope_name="DigitalWeRoom.Sfu.Transport",node_id="vm",reason="stun_unknown_username",region="local"} 2.682e3
        sfu_packets_dropped_total_created{reason="queue_overflow"} 17
        sfu_packets_total{direction="out",reason="queue_overflow"} 999
        sfu_packets_dropped_total{otel_scope_name="x",reason="broken} 5
        sfu_packets_dropped_total{otel_scope_name="x",reason="no_value"}
        """;

    [Fact]
    public void Drops_are_summed_by_reason_and_other_families_and_broken_lines_are_ignored()
    {
        var drops = ServerMetrics.DropsByReason(Text.Replace("\r\n", "\n", StringComparison.Ordinal));

        Assert.Equal(new Dictionary<string, long> { ["truncated"] = 0, ["queue_overflow"] = 1042500, ["stun_unknown_username"] = 2682 }, drops);
    }

    [Fact]
    public void A_run_reports_what_the_server_dropped_during_it_beside_the_clients_own_drops()
    {
        var result = LoadRunner.WithServerProcessDrops(
            new Dictionary<string, long> { ["client:NotConnected"] = 968 },
            new Dictionary<string, long> { ["queue_overflow"] = 100, ["truncated"] = 3 },
            new Dictionary<string, long> { ["queue_overflow"] = 1100, ["truncated"] = 3, ["no_route"] = 7 });

        Assert.Equal(new Dictionary<string, long> { ["client:NotConnected"] = 968, ["server:queue_overflow"] = 1000, ["server:no_route"] = 7 }, result);
    }
}
