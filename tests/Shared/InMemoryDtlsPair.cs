using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Tests.Shared;

/// <summary>
/// A DTLS-SRTP server and client wired to each other in memory (no sockets, no ICE): each datagram one side sends is
/// handed to the other's queue. Either side can be BouncyCastle alone, an implementation independent of our OpenSSL
/// handshake crypto.
/// </summary>
internal sealed class InMemoryDtlsPair : IDisposable
{
    private static readonly PacketPool s_pool = new();

    private InMemoryDtlsPair(bool serverOpenSsl, bool clientOpenSsl, DtlsCertificate? serverCertificate,
        DtlsCertificate? clientCertificate)
    {
        serverCertificate ??= DtlsCertificate.Generate("pair-server");
        clientCertificate ??= DtlsCertificate.Generate("pair-client");
        var toClient = new Wire();
        var toServer = new Wire();
        Server = new DtlsSrtpTransport(DtlsRole.Server, serverCertificate, clientCertificate.Fingerprint, toClient, ServerOutcome,
            openSsl: serverOpenSsl);
        Client = new DtlsSrtpTransport(DtlsRole.Client, clientCertificate, serverCertificate.Fingerprint, toServer, ClientOutcome,
            openSsl: clientOpenSsl);
        toClient.Peer = Client;
        toServer.Peer = Server;
    }

    public DtlsSrtpTransport Server { get; }

    public DtlsSrtpTransport Client { get; }

    public Outcome ServerOutcome { get; } = new();

    public Outcome ClientOutcome { get; } = new();

    public static InMemoryDtlsPair Start(bool serverOpenSsl = true, bool clientOpenSsl = true,
        DtlsCertificate? serverCertificate = null, DtlsCertificate? clientCertificate = null)
    {
        var pair = new InMemoryDtlsPair(serverOpenSsl, clientOpenSsl, serverCertificate, clientCertificate);
        pair.Server.Start();
        pair.Client.Start();
        return pair;
    }

    public void Dispose()
    {
        Server.Close();
        Client.Close();
    }

    private sealed class Wire : IDatagramSender
    {
        public DtlsSrtpTransport? Peer { get; set; }

        public void SendDatagram(ReadOnlySpan<byte> datagram)
        {
            PooledPacket packet = s_pool.Rent();
            datagram.CopyTo(packet.Buffer);
            packet.Length = datagram.Length;
            // The queue takes its own reference; a full or closed one drops the datagram, as the network may.
            Peer?.TryEnqueue(packet);
            packet.Release();
        }
    }

    internal sealed class Outcome : IDtlsSrtpListener
    {
        private readonly TaskCompletionSource<DtlsSrtpResult?> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<DtlsSrtpResult?> Settled => _settled.Task;

        public DtlsFailure Failure { get; private set; }

        public void OnDtlsConnected(DtlsSrtpTransport dtls, DtlsSrtpResult result) => _settled.TrySetResult(result);

        public void OnDtlsFailed(DtlsSrtpTransport dtls, DtlsFailure failure, Exception? error)
        {
            Failure = failure;
            _settled.TrySetResult(null);
        }

        public void OnDtlsClosed(DtlsSrtpTransport dtls)
        {
        }
    }
}
