using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Media.Tests.Integration;

/// <summary>
/// Real transports on 127.0.0.1: one client publishes SRTP to the server, the router fans it out, two subscriber
/// clients decrypt what the server's send loops protected and sent. Checks bytes, SSRC rewrite, RTCP and pool leaks.
/// </summary>
public class LoopbackRoutingTests
{
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("media-test-client");

    [Fact]
    public async Task PublisherToTwoSubscribers_OverIceDtlsSrtp()
    {
        var server = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, Port = 0 }).Start();
        var router = new Router("room", server.Pool, TimeProvider.System, new RouterOptions { RtcpReportInterval = TimeSpan.FromMilliseconds(200) });
        var clients = new IceControllingClient[3];
        var clientListeners = new CapturingListener[3];
        try
        {
            var media = new MediaTransport[3];
            for (int i = 0; i < 3; i++)
            {
                // The production wiring (SfuSession): the media transport listens to the WebRtcTransport and sends through it.
                var transport = server.CreateTransport(new WebRtcTransportOptions { RemoteFingerprint = ClientCertificate.Fingerprint });
                media[i] = router.CreateTransport($"p{i}", transport);
                transport.Listener = media[i];
                clientListeners[i] = new CapturingListener();
                clients[i] = IceControllingClient.Start(new IceControllingClientOptions
                {
                    ServerUfrag = transport.LocalIceCredentials.Ufrag,
                    ServerPassword = transport.LocalIceCredentials.Password,
                    ServerEndPoint = server.LocalEndPoint,
                    ServerFingerprint = server.Certificate.Fingerprint,
                    Listener = clientListeners[i],
                    Certificate = ClientCertificate,
                });
            }
            foreach (var client in clients)
            {
                Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
            }

            var producer = router.CreateProducer(media[0], new ProducerOptions("mic", MediaKind.Audio, 0xAAAA0001, [new RtpCodec(111, "audio/opus", 48000)]));
            router.CreateConsumer(media[1], producer, new ConsumerOptions("c1", 0xBBBB0001));
            router.CreateConsumer(media[2], producer, new ConsumerOptions("c2", 0xCCCC0001));

            var sent = new List<byte[]>();
            for (int n = 0; n < 30; n++)
            {
                var plain = new byte[12 + 80];
                plain[0] = 0x80;
                plain[1] = 111;
                BinaryPrimitives.WriteUInt16BigEndian(plain.AsSpan(2), (ushort)(1000 + n));
                BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(4), (uint)(n * 960));
                BinaryPrimitives.WriteUInt32BigEndian(plain.AsSpan(8), 0xAAAA0001);
                new Random(n).NextBytes(plain.AsSpan(12));
                var buffer = new byte[plain.Length + PooledPacket.Headroom];
                plain.CopyTo(buffer, 0);
                Assert.True(clients[0].TrySendRtp(buffer, plain.Length));
                sent.Add(plain);
                await Task.Delay(2);
            }

            await WaitUntil(() => clientListeners[1].Rtp.Count == 30 && clientListeners[2].Rtp.Count == 30
                && !clientListeners[0].Rtcp.IsEmpty && !clientListeners[1].Rtcp.IsEmpty, TimeSpan.FromSeconds(10),
                () => $"rtp {clientListeners[1].Rtp.Count}/{clientListeners[2].Rtp.Count} rtcp {clientListeners[0].Rtcp.Count}/{clientListeners[1].Rtcp.Count} forwarded {router.Counters.ForwardedPackets} drops {router.Counters.Drops.Total}");

            foreach (var (index, ssrc) in new[] { (1, 0xBBBB0001u), (2, 0xCCCC0001u) })
            {
                var got = clientListeners[index].Rtp.ToArray().OrderBy(p => BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(2))).ToArray();
                for (int n = 0; n < 30; n++)
                {
                    Assert.Equal(ssrc, BinaryPrimitives.ReadUInt32BigEndian(got[n].AsSpan(8)));
                    Assert.Equal(1000 + n, BinaryPrimitives.ReadUInt16BigEndian(got[n].AsSpan(2)));
                    Assert.Equal(sent[n].AsSpan(12).ToArray(), got[n].AsSpan(12).ToArray());
                }
            }
            // Publisher got receiver reports about its stream; subscribers got sender reports for theirs.
            Assert.Contains(clientListeners[0].Rtcp, p => p[1] == 201 && BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == 0xAAAA0001);
            Assert.Contains(clientListeners[1].Rtcp, p => p[1] == 200 && BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)) == 0xBBBB0001);
            Assert.Equal(0, router.Counters.Drops.Total);
        }
        finally
        {
            await router.DisposeAsync();
            foreach (var client in clients) client?.Dispose();
            server.Dispose();
        }
        Assert.Equal(0, server.Pool.Outstanding);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, Func<string> diagnose)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("Timed out: " + diagnose());
            await Task.Delay(10);
        }
    }

    private sealed class CapturingListener : IWebRtcTransportListener
    {
        public ConcurrentQueue<byte[]> Rtp { get; } = new();

        public ConcurrentQueue<byte[]> Rtcp { get; } = new();

        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet) => Rtp.Enqueue(packet.Span.ToArray());

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet) => Rtcp.Enqueue(packet.Span.ToArray());
    }
}
