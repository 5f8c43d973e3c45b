using System.Net;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Tests.Dtls;

public class DtlsFingerprintTests
{
    [Fact]
    public async Task Server_refuses_a_client_certificate_that_does_not_match_the_signaled_fingerprint()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = DtlsCertificate.Generate("someone-else").Fingerprint,
            Listener = serverListener,
        });
        using var client = TestEnvironment.StartClient(server, transport, new RecordingListener());

        Assert.Equal(WebRtcTransportState.Failed, await serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(DtlsFailure.FingerprintMismatch, transport.DtlsFailure);
        Assert.Null(transport.SrtpProfile);
        Assert.NotEqual(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Client_refuses_a_server_certificate_that_does_not_match()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = serverListener,
        });
        using var client = TestEnvironment.StartClient(server, transport, new RecordingListener(),
            serverFingerprint: DtlsCertificate.Generate("impostor").Fingerprint);

        Assert.Equal(WebRtcTransportState.Failed, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(DtlsFailure.FingerprintMismatch, client.Transport.DtlsFailure);
        Assert.NotEqual(WebRtcTransportState.Connected, transport.State);
    }

    /// <summary>The certificate check both roles share (<see cref="DtlsSrtpPeer"/>): missing, matching, mismatched.</summary>
    [Fact]
    public void The_shared_peer_check_refuses_a_missing_or_mismatched_certificate_with_the_roles_alert()
    {
        var crypto = new BcTlsCrypto(new SecureRandom());
        DtlsCertificate mine = DtlsCertificate.Generate("me");
        DtlsCertificate theirs = DtlsCertificate.Generate("them");
        var peer = new DtlsSrtpPeer(mine, theirs.Fingerprint, 1000);
        Assert.Equal(1000, peer.HandshakeTimeoutMillis);
        Assert.Same(mine, peer.Certificate);

        var missing = Assert.Throws<TlsFatalAlert>(() => peer.VerifyPeerCertificate(Certificate.EmptyChain, AlertDescription.certificate_required));
        Assert.Equal(AlertDescription.certificate_required, missing.AlertDescription);
        Assert.Throws<TlsFatalAlert>(() => peer.VerifyPeerCertificate(null, AlertDescription.bad_certificate));
        Assert.False(peer.FingerprintMismatch);

        peer.VerifyPeerCertificate(new Certificate([new BcTlsCertificate(crypto, theirs.Der)]), AlertDescription.certificate_required);
        Assert.False(peer.FingerprintMismatch);

        var wrong = Assert.Throws<TlsFatalAlert>(() => peer.VerifyPeerCertificate(new Certificate([new BcTlsCertificate(crypto, mine.Der)]), AlertDescription.certificate_required));
        Assert.Equal(AlertDescription.bad_certificate, wrong.AlertDescription);
        Assert.True(peer.FingerprintMismatch);
        Assert.Null(peer.Result);
    }

    [Fact]
    public void Fingerprint_formats_and_parses_like_SDP()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("x");
        string sdp = certificate.Fingerprint.ToSdpValue();
        Assert.Matches("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", sdp);
        Assert.True(CertificateFingerprint.TryParse(sdp, out var parsed));
        Assert.Equal(certificate.Fingerprint, parsed);
        Assert.True(parsed!.Matches(certificate.Der));
        Assert.False(CertificateFingerprint.TryParse("sha-256 AB:CD", out _));
        Assert.Equal(certificate.Fingerprint, CertificateFingerprint.FromSdp(new DigitalWeRoom.Sfu.Protocols.Sdp.SdpFingerprint("SHA-256", certificate.Fingerprint.Value)));
        Assert.False(CertificateFingerprint.TryParse("md5 " + sdp[8..], out _));
    }
}
