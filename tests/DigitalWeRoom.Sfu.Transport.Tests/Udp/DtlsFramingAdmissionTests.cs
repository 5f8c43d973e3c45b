using System.Net;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>DTLS datagrams from the selected tuple are framed (RFC 6347 §4.1, DtlsRecordReader) before BouncyCastle sees them.</summary>
public class DtlsFramingAdmissionTests
{
    [Fact]
    public async Task Malformed_dtls_from_the_selected_peer_is_dropped_with_a_reason_and_the_session_goes_on()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = serverListener,
        });
        var clientListener = new RecordingListener();
        using var client = TestEnvironment.StartClient(server, transport, clientListener);
        Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(WebRtcTransportState.Connected, await serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, transport.Drops.Get(DropReason.DtlsRecordMalformed) + transport.Drops.Get(DropReason.Truncated));

        SocketAddress to = server.LocalEndPoint.Serialize();
        byte[][] hostile =
        [
            // Handshake record whose length (0x0400) runs past the datagram.
            [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0x04, 0x00, 1, 2, 3],
            // Content type 30: in the DTLS range of RFC 7983 but no TLS content type.
            [30, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0],
            // Unknown version 0x0303 (TLS, not DTLS).
            [23, 0x03, 0x03, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0],
            // A valid record followed by 3 stray bytes: records must fill the datagram exactly.
            [23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0xAA, 0xBB, 0xCC],
            // Just a header's first bytes.
            [21, 0xFE],
        ];
        foreach (byte[] datagram in hostile)
        {
            Assert.True(client.Endpoint.SendTo(datagram, to));
        }

        await TestEnvironment.WaitUntil(
            () => transport.Drops.Get(DropReason.DtlsRecordMalformed) + transport.Drops.Get(DropReason.Truncated) == hostile.Length,
            TimeSpan.FromSeconds(5), "five framing drops",
            () => $"malformed={transport.Drops.Get(DropReason.DtlsRecordMalformed)} truncated={transport.Drops.Get(DropReason.Truncated)}");
        Assert.Equal(0, transport.Drops.Get(DropReason.DtlsQueueFull));
        Assert.Equal(WebRtcTransportState.Connected, transport.State);

        // The session is unharmed: media still flows both ways.
        byte[] plain = TestPackets.Rtp(7, 1, 60, 5);
        Assert.True(client.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        await TestEnvironment.WaitUntil(() => serverListener.RtpCount == 1, TimeSpan.FromSeconds(5), "rtp after the hostile datagrams");
        Assert.True(serverListener.Rtp.TryPeek(out byte[]? got));
        Assert.Equal(plain, got);
    }
}
