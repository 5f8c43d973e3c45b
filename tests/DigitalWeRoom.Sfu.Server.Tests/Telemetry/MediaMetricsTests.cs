using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Rooms.Telemetry;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;
using DigitalWeRoom.Sfu.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// The series fed by the media path, signaling and the room event hook, scraped as Prometheus text: a synthetic
/// publisher and subscriber on a real room router send RTP with gaps, PLI, FIR, NACK and a receiver report.
/// </summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class MediaMetricsTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        // The background sampler runs once at start: every number below comes from the owners and the hook.
        _host = TelemetryHost.Start(new() { ["Sfu:Telemetry:SampleInterval"] = "01:00:00" });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private sealed class NullSender : IRtpPacketSender
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => true;

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }

    private static void Deliver(Router router, MediaTransport from, PacketPool pool, ReadOnlySpan<byte> bytes, bool rtcp)
    {
        var packet = pool.Rent();
        bytes.CopyTo(packet.Buffer);
        packet.Length = bytes.Length;
        if (rtcp)
        {
            from.OnRtcp(packet);
        }
        else
        {
            router.OnRtp(from, packet);
        }

        packet.Release();
    }

    private static byte[] Rtp(uint ssrc, ushort seq, byte payloadType, int payload)
    {
        var p = new byte[12 + payload];
        p[0] = 0x80;
        p[1] = payloadType;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), seq * 960u);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), ssrc);
        return p;
    }

    private static byte[] Rtcp(Func<byte[], int> write)
    {
        var buffer = new byte[256];
        return buffer[..write(buffer)];
    }

    [Fact]
    public async Task Pli_fir_nack_and_receiver_reports_from_a_synthetic_subscriber_move_their_series()
    {
        var metrics = _host.Services.GetRequiredService<SfuMetrics>();
        var sampler = _host.Services.GetRequiredService<StatsSampler>();
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback });
        await using var room = new SfuRoomMedia("media-metrics", endpoint, new NegotiationOptions(), TimeProvider.System, NullLogger.Instance);
        var router = room.Router;
        router.Telemetry = new RouterMediaTelemetry(metrics);
        var pool = endpoint.Pool;
        var before = await _host.ScrapeAsync();
        using var registration = metrics.Sources.Add(new RouterTrafficSource(router, room));
        sampler.SampleOnce();

        var publisher = router.CreateTransport("pub", new NullSender());
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [new RtpCodec(111, "audio/opus", 48000)]));
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x2222, [new RtpCodec(96, "video/VP8", 90000)]));
        var subscriber = router.CreateTransport("sub", new NullSender());
        router.CreateConsumer(subscriber, audio, new ConsumerOptions("ca", 0xA000));
        router.CreateConsumer(subscriber, video, new ConsumerOptions("cv", 0xB000));

        // 200 audio packets with every 10th missing: 20 lost of 200 expected (RFC 3550 A.3) on the way in.
        for (ushort seq = 1; seq <= 200; seq++)
        {
            if (seq % 10 != 0 || seq == 200)
            {
                Deliver(router, publisher, pool, Rtp(0x1111, seq, 111, 80), rtcp: false);
            }
        }

        // The subscriber: 2 PLI, 1 FIR (two entries), 1 NACK, and an RR about its audio stream with 12 lost
        // and an RTT of 50 ms against an SR of ours.
        Deliver(router, subscriber, pool, Rtcp(b => PictureLossIndication.Write(b, 7, 0xB000)), rtcp: true);
        Deliver(router, subscriber, pool, Rtcp(b => PictureLossIndication.Write(b, 7, 0xB000)), rtcp: true);
        Deliver(router, subscriber, pool, Rtcp(b => FullIntraRequest.Write(b, 7, [new FirEntry(0xB000, 1), new FirEntry(0xB000, 2)])), rtcp: true);
        Deliver(router, subscriber, pool, Rtcp(b => TransportLayerNack.Write(b, 7, 0xA000, [5])), rtcp: true);
        uint lsr = (uint)(MediaClock.ToNtp(DateTimeOffset.UtcNow - TimeSpan.FromMilliseconds(50)) >> 16);
        Deliver(router, subscriber, pool, Rtcp(b => ReceiverReport.Write(b, 7, [new ReceptionReport(0xA000, 16, 12, 200, 0, lsr, 0)])), rtcp: true);

        await _host.ScrapeUntilAsync(
            s => s.Sum("sfu_packets_total", ("direction", "out"), ("kind", "audio"), ("transmission", "original")) >= 181,
            "181 audio packets forwarded to the subscriber (1 in 64 timed)");
        sampler.SampleOnce();
        var scrape = await _host.ScrapeAsync();
        double Delta(string name, params (string, string)[] labels) => scrape.Sum(name, labels) - before.Sum(name, labels);
        Assert.Equal(2, Delta("sfu_plis_total", ("direction", "in")));
        Assert.Equal(1, Delta("sfu_firs_total", ("direction", "in")));
        Assert.Equal(1, Delta("sfu_nacks_total", ("direction", "in")));
        Assert.True(Delta("sfu_plis_total", ("direction", "out")) >= 1, "the video consumer and the PLIs ask the publisher for a key frame");
        Assert.Equal(19, Delta("sfu_packets_lost_total", ("direction", "in")));
        Assert.Equal(12, Delta("sfu_packets_lost_total", ("direction", "out")));
        Assert.Equal(19.0 / 200, scrape.Value("sfu_packet_loss_ratio", ("direction", "in")), 6);
        Assert.Equal(12.0 / 181, scrape.Value("sfu_packet_loss_ratio", ("direction", "out")), 6);
        Assert.Equal(181, Delta("sfu_packets_total", ("direction", "in"), ("kind", "audio"), ("transmission", "original")));
        Assert.Equal(1, Delta("sfu_rtt_seconds_count"));
        Assert.InRange(Delta("sfu_rtt_seconds_sum"), 0.045, 1.0);
        Assert.Equal(2, Delta("sfu_forward_latency_seconds_count"));
        Assert.InRange(Delta("sfu_forward_latency_seconds_sum"), 0, 10);
        Assert.True(scrape.Value("sfu_jitter_seconds") >= 0);
    }

    [Fact]
    public async Task Switch_counts_and_durations_come_from_the_room_hook_not_from_sampling()
    {
        // The sampler does not run again (1 h): only the room's own event can count these.
        await using var a = await _host.ConnectAsync();
        await a.JoinAsync("hook-room", "alice");
        await using var b = await _host.ConnectAsync();
        await b.JoinAsync("hook-room", "bob");
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "switching");
        await a.SendAsync(new SignalMessage { Type = MessageTypes.P2pConnected });
        await b.SendAsync(new SignalMessage { Type = MessageTypes.P2pConnected });
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "p2p");
        await using var c = await _host.ConnectAsync();
        await c.JoinAsync("hook-room", "carol");
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "sfu");

        var scrape = await _host.ScrapeUntilAsync(s => s.Sum("sfu_mode_switches_total", ("from", "p2p"), ("to", "sfu")) >= 1, "p2p -> sfu");
        Assert.Equal(1, scrape.Value("sfu_mode_switches_total", ("from", "sfu"), ("to", "switching")));
        Assert.Equal(1, scrape.Value("sfu_mode_switches_total", ("from", "switching"), ("to", "p2p")));
        Assert.Equal(1, scrape.Value("sfu_mode_switches_total", ("from", "p2p"), ("to", "sfu")));
        Assert.Equal(1, scrape.Value("sfu_mode_switch_duration_seconds_count", ("to", "p2p")));
        Assert.True(scrape.Value("sfu_mode_switch_duration_seconds_sum", ("to", "p2p")) > 0);
    }

    [Fact]
    public async Task Dropped_signaling_messages_are_counted_by_reason()
    {
        await using var client = await _host.ConnectAsync();
        await client.SendTextAsync("{not json");
        await client.ErrorAsync(ErrorCodes.InvalidMessage);
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Chat, Text = "hi" });
        await client.ErrorAsync(ErrorCodes.NotJoined);
        await client.SendAsync(new SignalMessage { Type = "no-such-type" });
        await client.WaitForAsync(MessageTypes.Error);

        var scrape = await _host.ScrapeUntilAsync(s => s.Value("sfu_signaling_dropped_total", ("reason", "invalid")) >= 1, "invalid counted");
        Assert.Equal(1, scrape.Value("sfu_signaling_dropped_total", ("reason", "malformed")));
        Assert.Equal(1, scrape.Value("sfu_signaling_dropped_total", ("reason", "not_joined")));
        Assert.Equal(1, scrape.Value("sfu_signaling_dropped_total", ("reason", "invalid")));
        Assert.Equal(0, scrape.Value("sfu_signaling_dropped_total", ("reason", "rate_limited")));
        Assert.Equal(6, scrape.Series("sfu_signaling_dropped_total").Count());
    }

    [Fact]
    public async Task The_server_offer_to_a_refused_answer_is_traced_as_sfu_negotiate()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SfuActivities.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await using var client = await _host.ConnectAsync();
        var id = await client.JoinAsync("negotiate-room", "ada");
        var offer = await client.WaitForAsync(MessageTypes.Offer);
        Assert.NotNull(offer.Sdp);
        await Task.Delay(20);
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Answer, Target = SignalTargets.Server, Sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" });
        await client.ErrorAsync(ErrorCodes.InvalidSdp);

        Activity? span = null;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (span is null && DateTime.UtcNow < deadline)
        {
            lock (spans)
            {
                span = spans.Find(s => s.OperationName == SfuActivities.Negotiate && (string?)s.GetTagItem(SfuActivities.ParticipantTag) == id);
            }

            await Task.Delay(20);
        }

        Assert.NotNull(span);
        Assert.Equal("negotiate-room", span.GetTagItem(SfuActivities.RoomTag));
        Assert.Equal("invalid_answer", span.GetTagItem(SfuActivities.OutcomeTag));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.True(span.Duration >= TimeSpan.FromMilliseconds(15), $"offer to answer took {span.Duration}");
        Assert.Equal(default, span.ParentSpanId); // Not a child of the join or of the room loop.
    }
}
