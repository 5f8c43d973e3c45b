using System.Net;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>Scrapes <c>/metrics</c> of the real host and checks series, labels and that counters move.</summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        _host = TelemetryHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static readonly TheoryData<string, string> Series = new()
    {
        { "sfu_rooms", "gauge" },
        { "sfu_participants", "gauge" },
        { "sfu_tracks_published", "gauge" },
        { "sfu_tracks_subscribed", "gauge" },
        { "sfu_packets_total", "counter" },
        { "sfu_bytes_total", "counter" },
        { "sfu_nacks_total", "counter" },
        { "sfu_plis_total", "counter" },
        { "sfu_firs_total", "counter" },
        { "sfu_bandwidth_pauses_total", "counter" },
        { "sfu_bandwidth_resumes_total", "counter" },
        { "sfu_retransmissions_over_budget_total", "counter" },
        { "sfu_probe_packets_total", "counter" },
        { "sfu_probe_bytes_total", "counter" },
        { "sfu_packets_lost_total", "counter" },
        { "sfu_packet_loss_ratio", "gauge" },
        { "sfu_jitter_seconds", "gauge" },
        { "sfu_packets_dropped_total", "counter" },
        { "sfu_ice_failures_total", "counter" },
        { "sfu_dtls_failures_total", "counter" },
        { "sfu_consent_expiries_total", "counter" },
        { "sfu_signaling_dropped_total", "counter" },
        { "sfu_process_cpu_seconds_total", "counter" },
        { "sfu_process_memory_bytes", "gauge" },
        { "sfu_mode_switches_total", "counter" },
    };

    [Theory]
    [MemberData(nameof(Series))]
    public async Task Every_series_exists_with_its_type_and_the_constant_labels(string name, string type)
    {
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(type, scrape.TypeOf.GetValueOrDefault(name));
        var samples = scrape.Series(name).ToArray();
        Assert.NotEmpty(samples);
        Assert.All(samples, s =>
        {
            Assert.Equal(_host.NodeId(), s["node_id"]);
            Assert.Equal(TelemetryHost.Region, s["region"]);
        });
    }

    [Fact]
    public async Task Labels_are_bounded_and_never_name_a_participant()
    {
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(["p2p", "sfu", "switching"], scrape.Series("sfu_rooms").Select(s => s["mode"]!).Order(StringComparer.Ordinal));
        Assert.Equal(["p2p", "sfu", "switching"], scrape.Series("sfu_participants").Select(s => s["mode"]!).Order(StringComparer.Ordinal));
        Assert.Equal(8, scrape.Series("sfu_packets_total").Count());
        foreach (var direction in new[] { "in", "out" })
        {
            foreach (var kind in new[] { "audio", "video" })
            {
                foreach (var transmission in new[] { "original", "retransmit" })
                {
                    Assert.NotNull(scrape.Find("sfu_packets_total", ("direction", direction), ("kind", kind), ("transmission", transmission)));
                    Assert.NotNull(scrape.Find("sfu_bytes_total", ("direction", direction), ("kind", kind), ("transmission", transmission)));
                }
            }
        }

        // The drop reasons the issue names are all there from the start (rate() works from the first drop).
        foreach (var reason in new[] { "malformed", "unvalidated_address", "srtp_replay", "srtp_auth_failed", "queue_overflow", "too_large" })
        {
            Assert.Equal(0, scrape.Value("sfu_packets_dropped_total", ("reason", reason)));
        }

        Assert.DoesNotContain(scrape.Samples, s => s.Labels.Keys.Any(k => k.Contains("participant", StringComparison.Ordinal) || k == "room"));
        var info = Assert.Single(scrape.Series("target_info"));
        Assert.Equal(_host.NodeId(), info["node_id"]);
        Assert.Equal(_host.NodeId(), info["service_instance_id"]);
        Assert.All(scrape.Samples.Where(s => s.Name.StartsWith("sfu_", StringComparison.Ordinal)), s => Assert.Equal(_host.NodeId(), s["node_id"]));
    }

    [Fact]
    public async Task Every_drop_reason_keeps_its_own_series_under_the_cardinality_limit()
    {
        // SfuMetrics.CardinalityLimit cut OpenTelemetry's preallocated points from 2,000 per instrument: the most varied
        // series must still fit, with nothing folded into the overflow series.
        var scrape = await _host.ScrapeAsync();
        var reasons = MetricLabels.DropReasons.Where(r => r is not null).ToArray();
        Assert.InRange(reasons.Length, 30, SfuMetrics.CardinalityLimit - 2);
        foreach (var reason in reasons)
        {
            Assert.NotNull(scrape.Find("sfu_packets_dropped_total", ("reason", reason!)));
        }

        Assert.DoesNotContain(scrape.Samples, s => s.Labels.Keys.Any(k => k.Contains("overflow", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Joins_switches_and_tracks_move_room_series_and_histograms()
    {
        var before = await _host.ScrapeAsync();
        var joinsBefore = before.Sum("sfu_join_latency_seconds_count", ("outcome", "joined"));

        await using var a = await _host.ConnectAsync();
        await a.JoinAsync("metrics-room", "alice");
        await using var b = await _host.ConnectAsync();
        await b.JoinAsync("metrics-room", "bob");
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "switching");

        var switching = await _host.ScrapeUntilAsync(s => s.Sum("sfu_mode_switches_total", ("from", "sfu"), ("to", "switching")) >= 1,
            "sfu -> switching counted");
        Assert.Equal(1, switching.Value("sfu_rooms", ("mode", "switching")));
        Assert.Equal(2, switching.Value("sfu_participants", ("mode", "switching")));
        Assert.Equal(joinsBefore + 2, switching.Sum("sfu_join_latency_seconds_count", ("outcome", "joined")));
        Assert.True(switching.Sum("sfu_join_latency_seconds_sum", ("outcome", "joined")) > 0);
        Assert.Equal("histogram", switching.TypeOf["sfu_join_latency_seconds"]);

        // Both report their direct connection: the room goes peer-to-peer.
        await a.SendAsync(new SignalMessage { Type = MessageTypes.P2pConnected });
        await b.SendAsync(new SignalMessage { Type = MessageTypes.P2pConnected });
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "p2p");
        var p2p = await _host.ScrapeUntilAsync(s => s.Sum("sfu_mode_switches_total", ("from", "switching"), ("to", "p2p")) >= 1,
            "switching -> p2p counted");
        Assert.Equal(1, p2p.Value("sfu_rooms", ("mode", "p2p")));
        Assert.Equal(2, p2p.Value("sfu_participants", ("mode", "p2p")));
        Assert.Equal(1, p2p.Value("sfu_mode_switch_duration_seconds_count", ("to", "p2p")));

        // A third participant and a published track: back to the server path, subscriptions counted.
        await a.SendAsync(new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "cam", Kind = "video", Source = "camera" } });
        await using var c = await _host.ConnectAsync();
        await c.JoinAsync("metrics-room", "carol");
        var sfu = await _host.ScrapeUntilAsync(s => s.Sum("sfu_mode_switches_total", ("from", "p2p"), ("to", "sfu")) >= 1, "p2p -> sfu counted");
        Assert.Equal(1, sfu.Value("sfu_rooms", ("mode", "sfu")));
        Assert.Equal(3, sfu.Value("sfu_participants", ("mode", "sfu")));
        Assert.Equal(0, sfu.Value("sfu_participants", ("mode", "p2p")));
        Assert.Equal(1, sfu.Value("sfu_tracks_published", ("kind", "video")));
        Assert.Equal(2, sfu.Value("sfu_tracks_subscribed", ("kind", "video")));
    }

    [Fact]
    public async Task Drops_and_traffic_read_from_registered_owners_and_never_go_backwards()
    {
        var metrics = _host.Services.GetRequiredService<SfuMetrics>();
        var endpointDrops = new DropCounters();
        var traffic = new FakeTraffic();
        using (metrics.Sources.Add(endpointDrops))
        using (metrics.Sources.Add(traffic))
        {
            endpointDrops.Increment(DropReason.SrtpReplay);
            endpointDrops.Increment(DropReason.SrtpReplay);
            endpointDrops.Increment(DropReason.UnvalidatedAddress);
            metrics.Sources.ServerDrops.Increment(DropReason.SignalingTooLarge);
            traffic.Totals.PacketsIn[TrafficTotals.Slot(TrafficKind.Video, Transmission.Original)] = 1000;
            traffic.Totals.BytesIn[TrafficTotals.Slot(TrafficKind.Video, Transmission.Original)] = 1_000_000;
            traffic.Totals.PacketsOut[TrafficTotals.Slot(TrafficKind.Video, Transmission.Retransmit)] = 7;
            traffic.Totals.NacksIn = 5;
            traffic.Totals.PlisOut = 2;
            traffic.Totals.PacketsLost = 10;

            var scrape = await _host.ScrapeAsync();
            Assert.Equal(2, scrape.Value("sfu_packets_dropped_total", ("reason", "srtp_replay")));
            Assert.Equal(1, scrape.Value("sfu_packets_dropped_total", ("reason", "unvalidated_address")));
            Assert.Equal(1, scrape.Value("sfu_packets_dropped_total", ("reason", "signaling_too_large")));
            Assert.Equal(1000, scrape.Value("sfu_packets_total", ("direction", "in"), ("kind", "video"), ("transmission", "original")));
            Assert.Equal(1_000_000, scrape.Value("sfu_bytes_total", ("direction", "in"), ("kind", "video"), ("transmission", "original")));
            Assert.Equal(7, scrape.Value("sfu_packets_total", ("direction", "out"), ("kind", "video"), ("transmission", "retransmit")));
            Assert.Equal(5, scrape.Value("sfu_nacks_total", ("direction", "in")));
            Assert.Equal(2, scrape.Value("sfu_plis_total", ("direction", "out")));
            Assert.Equal(10, scrape.Value("sfu_packets_lost_total", ("direction", "in")));
            Assert.Equal(0, scrape.Value("sfu_packets_lost_total", ("direction", "out")));
        }

        // The owners are gone (a room closed): their counts stay in the totals.
        endpointDrops.Increment(DropReason.SrtpReplay);
        var after = await _host.ScrapeAsync();
        Assert.Equal(2, after.Value("sfu_packets_dropped_total", ("reason", "srtp_replay")));
        Assert.Equal(1000, after.Value("sfu_packets_total", ("direction", "in"), ("kind", "video"), ("transmission", "original")));
    }

    [Fact]
    public async Task A_room_router_feeds_retransmissions_nacks_out_and_transport_failures()
    {
        var metrics = _host.Services.GetRequiredService<SfuMetrics>();
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback });
        await using var room = new SfuRoomMedia("telemetry-room", endpoint, new NegotiationOptions(), TimeProvider.System, NullLogger.Instance);
        var before = await _host.ScrapeAsync();
        using (metrics.Sources.Add(new RouterTrafficSource(room.Router, room)))
        {
            var counters = room.Router.Counters;
            for (int i = 0; i < 3; i++) counters.OnRetransmitted();
            counters.OnRtxRepaired();
            counters.OnNackSent();
            counters.OnNackSent();
            counters.OnBandwidthPause(paused: true);
            counters.OnBandwidthPause(paused: true);
            counters.OnBandwidthPause(paused: false);
            for (int i = 0; i < 4; i++) counters.OnRetransmissionOverBudget();
            counters.OnProbeSent(250);
            counters.OnProbeSent(250);
            room.OnTransportFailed(dtls: true);
            room.OnTransportFailed(dtls: false);
            room.OnTransportFailed(dtls: false);

            var scrape = await _host.ScrapeAsync();
            double Delta(string name, params (string, string)[] labels) => scrape.Value(name, labels) - before.Value(name, labels);
            Assert.Equal(3, Delta("sfu_packets_total", ("direction", "out"), ("kind", "video"), ("transmission", "retransmit")));
            Assert.Equal(1, Delta("sfu_packets_total", ("direction", "in"), ("kind", "video"), ("transmission", "retransmit")));
            Assert.Equal(2, Delta("sfu_nacks_total", ("direction", "out")));
            Assert.Equal(2, Delta("sfu_bandwidth_pauses_total"));
            Assert.Equal(1, Delta("sfu_bandwidth_resumes_total"));
            Assert.Equal(4, Delta("sfu_retransmissions_over_budget_total"));
            Assert.Equal(2, Delta("sfu_probe_packets_total"));
            Assert.Equal(500, Delta("sfu_probe_bytes_total"));
            Assert.Equal(1, Delta("sfu_dtls_failures_total"));
            Assert.Equal(2, Delta("sfu_consent_expiries_total"));
        }
    }

    [Fact]
    public async Task Event_recorders_feed_their_series()
    {
        var metrics = _host.Services.GetRequiredService<SfuMetrics>();
        metrics.RecordRtt(TimeSpan.FromMilliseconds(40));
        metrics.RecordRtt(TimeSpan.FromMilliseconds(80));
        metrics.RecordForwardLatency(TimeSpan.FromMilliseconds(0.3));
        metrics.RecordIceFailure();
        metrics.RecordDtlsFailure();
        metrics.RecordConsentExpiry();
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(2, scrape.Value("sfu_rtt_seconds_count"));
        Assert.Equal(0.12, scrape.Value("sfu_rtt_seconds_sum"), 6);
        Assert.Equal(1, scrape.Value("sfu_rtt_seconds_bucket", ("le", "0.05")));
        Assert.Equal(2, scrape.Value("sfu_rtt_seconds_bucket", ("le", "0.1")));
        Assert.Equal(1, scrape.Value("sfu_forward_latency_seconds_bucket", ("le", "0.0005")));
        Assert.Equal(1, scrape.Value("sfu_ice_failures_total"));
        Assert.Equal(1, scrape.Value("sfu_dtls_failures_total"));
        Assert.Equal(1, scrape.Value("sfu_consent_expiries_total"));
    }

    [Fact]
    public async Task Loss_ratio_and_bitrate_come_from_sampled_deltas()
    {
        // Own host whose background sampler runs once at start only, so the test owns the sampling.
        await using var host = TelemetryHost.Start(new() { ["Sfu:Telemetry:SampleInterval"] = "01:00:00" });
        var metrics = host.Services.GetRequiredService<SfuMetrics>();
        var sampler = host.Services.GetRequiredService<StatsSampler>();
        var traffic = new FakeTraffic();
        using var registration = metrics.Sources.Add(traffic);
        sampler.SampleOnce();
        traffic.Totals.PacketsExpected = 200;
        traffic.Totals.PacketsLost = 50;
        traffic.Totals.BytesIn[0] = 125_000;
        traffic.Totals.PacketsOut[TrafficTotals.Slot(TrafficKind.Video, Transmission.Original)] = 400;
        traffic.Totals.PacketsLostOut = 40;
        var sample = sampler.SampleOnce();
        Assert.Equal(0.25, sample.LossRatio, 6);
        Assert.Equal(0.1, sample.LossRatioOut, 6); // the dashboard's "loss out" reads this
        Assert.True(sample.BitrateIn > 0, "bitrate from byte deltas");
        var scrape = await host.ScrapeAsync();
        Assert.Equal(0.25, scrape.Value("sfu_packet_loss_ratio", ("direction", "in")), 6);
        Assert.Equal(0.1, scrape.Value("sfu_packet_loss_ratio", ("direction", "out")), 6);
    }

    private sealed class FakeTraffic : ITrafficSource
    {
        public TrafficTotals Totals { get; } = new();

        public void AddTo(TrafficTotals totals) => totals.Add(Totals);
    }
}
