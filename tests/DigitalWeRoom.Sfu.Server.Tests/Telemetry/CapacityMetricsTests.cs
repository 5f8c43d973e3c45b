using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// Capacity bounds an operator must see in <c>/metrics</c>: send queue overflows (drop-oldest in a transport's send
/// worker inbox, all transports in one series), room summaries refused because the per-client limiter's table is
/// full, and early ICE checks held, replayed and expired. Each series is scraped before and after its event.
/// </summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class CapacityMetricsTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        _host = TelemetryHost.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private TelemetrySources Sources => _host.Services.GetRequiredService<SfuMetrics>().Sources;

    [Theory]
    [InlineData("sfu_send_queue_overflows_total")]
    [InlineData("sfu_rate_limiter_too_many_clients_total")]
    [InlineData("sfu_ice_early_checks_held_total")]
    [InlineData("sfu_ice_early_checks_replayed_total")]
    [InlineData("sfu_ice_early_checks_expired_total")]
    public async Task Each_series_is_a_counter_with_help_text_from_the_start(string name)
    {
        var scrape = await _host.ScrapeAsync();
        Assert.Equal("counter", scrape.TypeOf.GetValueOrDefault(name));
        Assert.NotEmpty(scrape.Series(name));
        Assert.All(scrape.Series(name), s => Assert.Equal(0, s.Value));
        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        string text = await http.GetStringAsync("/metrics");
        Assert.Contains($"# HELP {name} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_full_send_worker_inbox_moves_the_overflow_series_one_series_for_all_transports()
    {
        // The worker's thread never runs: every transport pinned to it overflows its 16-item inbox.
        using var workers = new SendWorkerPool(new SendWorkerOptions { Workers = 2, StartThreads = false, TransportQueueCapacity = 16 });
        using var registration = Sources.Add(new SendWorkerCapacity(workers));
        var packets = new PacketPool();
        using var router = new Router("overflow", packets, TimeProvider.System,
            new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero, InlineSend = true, SendWorkers = workers });
        var publisher = router.CreateTransport("pub", new NullSender());
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [new RtpCodec(111, "audio/opus", 48000)]));
        for (int i = 0; i < 4; i++)
        {
            router.CreateConsumer(router.CreateTransport($"sub{i}", new NullSender()), audio, new ConsumerOptions($"c{i}", 0xA000u + (uint)i));
        }

        Assert.Equal(0, (await _host.ScrapeAsync()).Value("sfu_send_queue_overflows_total"));
        for (ushort seq = 1; seq <= 40; seq++)
        {
            var packet = packets.Rent();
            packet.Length = WriteRtp(packet.Buffer, 0x1111, seq);
            router.OnRtp(publisher, packet);
            packet.Release();
        }

        Assert.True(workers.QueueOverflows > 0, "nothing overflowed");
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(workers.QueueOverflows, scrape.Value("sfu_send_queue_overflows_total"));
        Assert.Single(scrape.Series("sfu_send_queue_overflows_total"));
    }

    [Fact]
    public async Task A_room_summary_refused_because_the_client_table_is_full_moves_its_series()
    {
        var limiter = _host.Services.GetRequiredService<RoomSummaryRateLimiter>();
        for (int i = 0; i < limiter.MaxClients; i++)
        {
            Assert.True(limiter.TryAcquire(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i])));
        }

        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/api/rooms/standup/summary")).StatusCode);
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(1, scrape.Value("sfu_rate_limiter_too_many_clients_total", ("limiter", "room_summary")));
        Assert.Equal(0, scrape.Value("sfu_rate_limiter_too_many_clients_total", ("limiter", "join")));
    }

    [Fact]
    public async Task Early_ice_checks_held_replayed_and_expired_move_their_series()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, TimeProvider = time }).Start();
        using var registration = Sources.Add(new EarlyCheckCapacity(endpoint.Directory));
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var late = IceCredentials.Generate();
        var fresh = IceCredentials.Generate();

        // Two browsers' checks overtake their answers; the first answer comes after the checks' maximum age.
        peer.SendTo(Check(late), endpoint.LocalEndPoint);
        await WaitForAsync(() => endpoint.Directory.EarlyCheckCounts.Held == 1);
        time.Advance(TimeSpan.FromSeconds(6)); // EarlyChecks.MaxAge is 5 s
        peer.SendTo(Check(fresh), endpoint.LocalEndPoint);
        await WaitForAsync(() => endpoint.Directory.EarlyCheckCounts.Held == 2);
        var held = await _host.ScrapeAsync();
        Assert.Equal(2, held.Value("sfu_ice_early_checks_held_total"));
        Assert.Equal(0, held.Value("sfu_ice_early_checks_replayed_total"));
        Assert.Equal(0, held.Value("sfu_ice_early_checks_expired_total"));

        Answer(endpoint, late).ProcessEarlyChecks();
        Answer(endpoint, fresh).ProcessEarlyChecks();
        var scrape = await _host.ScrapeAsync();
        Assert.Equal(2, scrape.Value("sfu_ice_early_checks_held_total"));
        Assert.Equal(1, scrape.Value("sfu_ice_early_checks_replayed_total"));
        Assert.Equal(1, scrape.Value("sfu_ice_early_checks_expired_total"));
    }

    private static WebRtcTransport Answer(UdpEndpoint endpoint, IceCredentials offered) => endpoint.CreateTransport(new WebRtcTransportOptions
    {
        RemoteFingerprint = endpoint.Directory.Certificate.Fingerprint,
        RemoteIceUfrag = "peer",
        LocalIceCredentials = offered,
    });

    /// <summary>A browser's Binding request to our ufrag (RFC 8445 §7.2.2 USERNAME, §7.2.5 PRIORITY).</summary>
    private static byte[] Check(IceCredentials to)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername((to.Ufrag + ":peer").AsSpan());
        writer.AddPriority(0x6E7F1EFF);
        writer.AddIceControlling(42);
        writer.AddMessageIntegrity(to.PasswordBytes);
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }

    /// <summary>An RTP packet (RFC 3550 §5.1) with 80 bytes of payload.</summary>
    private static int WriteRtp(Span<byte> b, uint ssrc, ushort seq)
    {
        b[..92].Clear();
        b[0] = 0x80;
        b[1] = 111;
        BinaryPrimitives.WriteUInt16BigEndian(b[2..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(b[4..], seq * 960u);
        BinaryPrimitives.WriteUInt32BigEndian(b[8..], ssrc);
        return 92;
    }

    private sealed class NullSender : IRtpPacketSender
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => true;

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }
}
