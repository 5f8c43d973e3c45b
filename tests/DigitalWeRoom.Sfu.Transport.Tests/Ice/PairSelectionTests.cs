using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// The ICE-lite selection against a regular-nominating peer (Chromium, RFC 8445 §8.1.1): it checks every pair without
/// USE-CANDIDATE, keeps pinging them, sends DTLS on the pair it uses and nominates one that need not have the highest
/// priority. The pair that happened to be checked first must never hold the selection against it.
/// </summary>
public sealed class PairSelectionTests : IDisposable
{
    /// <summary>Higher than the client's checks (type preference 110): the pair a priority-only rule would keep.</summary>
    private static readonly uint HigherPriority = HostCandidate.ComputePriority(126, 65535, 1);

    private readonly UdpEndpoint _server = TestEnvironment.StartServer(IPAddress.Loopback);
    private readonly RecordingListener _serverListener = new();
    private readonly WebRtcTransport _transport;
    private readonly Socket _first = RawIceChecks.Candidate();
    private readonly CancellationTokenSource _stop = new();

    public PairSelectionTests()
    {
        _transport = _server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = _serverListener,
        });
    }

    public void Dispose()
    {
        _stop.Cancel();
        _first.Dispose();
        _server.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// The peer's first candidate (say its loopback address) is checked first, with a higher priority and without
    /// USE-CANDIDATE, and keeps being checked every 100 ms, as Chromium keeps its other pairs alive.
    /// </summary>
    private void CheckFirstPairAndKeepItFresh()
    {
        RawIceChecks.Check(_first, _server, _transport, "peer", HigherPriority, useCandidate: false);
        Assert.Equal(RawIceChecks.TupleOf(_first), _transport.SelectedTuple);
        Assert.False(_transport.IsSelectedNominated);
        _ = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(100);
                try
                {
                    RawIceChecks.Check(_first, _server, _transport, "peer", HigherPriority, useCandidate: false);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
            }
        });
    }

    private IceControllingClient StartClient(bool useCandidate) =>
        IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = _transport.LocalIceCredentials.Ufrag,
            ServerPassword = _transport.LocalIceCredentials.Password,
            ServerEndPoint = _server.LocalEndPoint,
            ServerFingerprint = _server.Certificate.Fingerprint,
            Listener = new RecordingListener(),
            Certificate = TestEnvironment.ClientCertificate,
            UseCandidate = useCandidate,
        });

    /// <summary>DTLS completes on both sides and the server sends over <paramref name="client"/>'s pair.</summary>
    private async Task AssertConnectedOverAsync(IceControllingClient client)
    {
        Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WebRtcTransportState.Connected, await _serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(TransportTuple.From(client.Endpoint.LocalEndPoint), _transport.SelectedTuple);
    }

    [Fact]
    public async Task A_regular_nomination_of_a_lower_priority_pair_wins_over_the_pair_checked_first()
    {
        CheckFirstPairAndKeepItFresh();

        // The peer nominates its other pair (lower priority) and runs DTLS there.
        using var client = StartClient(useCandidate: true);
        await AssertConnectedOverAsync(client);
        Assert.True(_transport.IsSelectedNominated);

        // Later checks on the first pair, still without USE-CANDIDATE, do not take the selection back.
        await Task.Delay(300);
        Assert.Equal(TransportTuple.From(client.Endpoint.LocalEndPoint), _transport.SelectedTuple);
        Assert.Equal(0, _server.Drops.Get(DropReason.DtlsNotSelectedPair));
    }

    [Fact]
    public async Task Before_any_nomination_the_selection_follows_the_valid_pair_the_peer_sends_DTLS_on()
    {
        CheckFirstPairAndKeepItFresh();

        // RFC 8445 §12.1: the peer may send on any valid pair before it nominates one; it never nominates here.
        using var client = StartClient(useCandidate: false);
        await AssertConnectedOverAsync(client);
        Assert.False(_transport.IsSelectedNominated);
    }

    [Fact]
    public async Task Once_a_pair_is_nominated_DTLS_from_another_valid_pair_is_received_and_the_selection_stays()
    {
        using var client = StartClient(useCandidate: true);
        Assert.Equal(WebRtcTransportState.Connected, await _serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(10)));
        TransportTuple nominated = TransportTuple.From(client.Endpoint.LocalEndPoint);

        // Another pair of the peer is valid (checked, not nominated) and sends a DTLS record: RFC 8445 §12.2 receives
        // it (a Firefox that nominated several pairs may send on another than ours), and our flights stay where they are.
        RawIceChecks.Check(_first, _server, _transport, "peer", HigherPriority, useCandidate: false);
        byte[] record = [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0x01];
        _first.SendTo(record, _server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => _transport.Timeline.DtlsRecordsOffPath == 1, TimeSpan.FromSeconds(5), "record off the selected pair");
        Assert.Equal(0, _server.Drops.Get(DropReason.DtlsNotSelectedPair));
        Assert.Equal(nominated, _transport.SelectedTuple);
        Assert.Equal(0, _server.Drops.Get(DropReason.UnvalidatedAddress));
        Assert.Equal(WebRtcTransportState.Connected, _transport.State);
    }
}
