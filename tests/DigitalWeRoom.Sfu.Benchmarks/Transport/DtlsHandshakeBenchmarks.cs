using BenchmarkDotNet.Attributes;
using DigitalWeRoom.Sfu.Tests.Shared;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Benchmarks.Transport;

/// <summary>
/// Issue #16, joins: one whole DTLS-SRTP handshake (RFC 5764; ECDHE_ECDSA, DTLS 1.2), server and client wired to each
/// other in memory (<see cref="InMemoryDtlsPair"/>), with the handshake's ECDSA in OpenSSL (<see cref="DtlsCrypto"/>)
/// against BouncyCastle alone. The two sides take turns, so the time is the CPU of both sides plus a thread wake-up
/// per flight: what one join costs the server and its client together. Each side keeps one certificate, as the server
/// and the load generator do.
/// </summary>
[MemoryDiagnoser]
public class DtlsHandshakeBenchmarks
{
    private readonly DtlsCertificate _serverCertificate = DtlsCertificate.Generate("bench-server");
    private readonly DtlsCertificate _clientCertificate = DtlsCertificate.Generate("bench-client");

    [Params(true, false)]
    public bool OpenSsl { get; set; }

    [Benchmark]
    public int Handshake()
    {
        using var pair = InMemoryDtlsPair.Start(OpenSsl, OpenSsl, _serverCertificate, _clientCertificate);
        DtlsSrtpResult? server = pair.ServerOutcome.Settled.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        DtlsSrtpResult? client = pair.ClientOutcome.Settled.WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        if (server is null || client is null)
        {
            throw new InvalidOperationException("the handshake did not complete");
        }
        return server.NamedGroup + client.NamedGroup;
    }
}
