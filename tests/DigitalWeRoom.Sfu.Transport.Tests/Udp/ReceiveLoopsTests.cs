using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Tests.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A port read by several receive loops (<see cref="UdpEndpointOptions.ReceiveSockets"/>): each remote tuple is read by
/// the socket <see cref="ReusePortSteering"/> names, and one peer whose datagrams reach two loops at once (two valid
/// tuples, RFC 8445 §12.2) still has its SRTP unprotected and delivered by one thread at a time, in order per tuple.
/// </summary>
public class ReceiveLoopsTests
{
    [Fact]
    public void Each_remote_tuple_is_read_by_the_receive_socket_the_steering_program_names()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var port = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, Port = 0, ReceiveSockets = 3, LaneSendSockets = true });
        Assert.Equal(3, port.ReceiveSocketCount);
        var seen = new int[3];
        var buffer = new byte[64];
        for (int p = 0; p < 48; p++)
        {
            using Socket peer = RawIceChecks.Candidate();
            int expected = ReusePortSteering.IndexFor((IPEndPoint)peer.LocalEndPoint!, 3);
            for (int i = 0; i < 4; i++)
            {
                peer.SendTo(new byte[] { 0xFF, (byte)i }, port.LocalEndPoint);
            }
            Socket reader = port.ReceiveSocket(expected);
            for (int i = 0; i < 4; i++)
            {
                Assert.True(reader.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead), $"peer {p} datagram {i} on socket {expected}");
                Assert.Equal(2, reader.Receive(buffer));
                Assert.Equal(i, buffer[1]);
            }
            seen[expected]++;
            for (int s = 0; s < 3; s++)
            {
                Assert.Equal(0, port.ReceiveSocket(s).Available);
            }
        }
        // 48 ephemeral ports: every socket got some.
        Assert.All(seen, count => Assert.True(count > 0));
    }

    [Fact]
    public async Task One_peers_srtp_from_two_tuples_on_two_loops_is_unprotected_and_delivered_one_at_a_time_in_order()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        using var server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            ReceiveSockets = 2,
            DtlsHandshakeTimeout = TimeSpan.FromSeconds(25),
        }).Start();
        var listener = new OverlapListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = listener,
        });
        using IceControllingClient client = TestEnvironment.StartClient(server, transport, new RecordingListener());
        Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(WebRtcTransportState.Connected, await listener.Settled.WaitAsync(TimeSpan.FromSeconds(10)));

        // Two candidates of the same peer whose tuples the steering puts on different receive loops, both validated.
        var flows = new List<Socket>();
        try
        {
            while (flows.Count < 2)
            {
                Socket candidate = RawIceChecks.Candidate();
                int loop = ReusePortSteering.IndexFor((IPEndPoint)candidate.LocalEndPoint!, 2);
                if (flows.Any(f => ReusePortSteering.IndexFor((IPEndPoint)f.LocalEndPoint!, 2) == loop))
                {
                    candidate.Dispose();
                    continue;
                }
                RawIceChecks.Check(candidate, server, transport, client.Transport.LocalIceCredentials.Ufrag,
                    HostCandidate.ComputePriority(100, 65535, 1), useCandidate: false);
                flows.Add(candidate);
            }

            // Protected on this thread with the client's keys (one owner of the send context), sent from two threads.
            const int PerFlow = 1500;
            SrtpContext keys = client.Transport.LocalSrtp!;
            var wire = new byte[2][][];
            for (int f = 0; f < 2; f++)
            {
                wire[f] = new byte[PerFlow][];
            }
            for (int i = 0; i < PerFlow; i++)
            {
                for (int f = 0; f < 2; f++)
                {
                    wire[f][i] = TestEnvironment.Protect(keys, TestPackets.Rtp(Ssrc(f), (ushort)(i + 1), 120, Seed(f, i)), rtcp: false);
                }
            }
            listener.Record = true;
            var senders = Enumerable.Range(0, 2).Select(f => new Thread(() =>
            {
                for (int i = 0; i < PerFlow; i++)
                {
                    flows[f].SendTo(wire[f][i], server.LocalEndPoint);
                    if (i % 32 == 31)
                    {
                        // Paced a little so the loops keep up (a kernel drop is not what this test is about).
                        Thread.Sleep(1);
                    }
                }
            })).ToList();
            senders.ForEach(s => s.Start());
            senders.ForEach(s => Assert.True(s.Join(TimeSpan.FromSeconds(60))));
            await TestEnvironment.WaitUntil(() => listener.Count >= 2 * PerFlow, TimeSpan.FromSeconds(20), "every packet delivered",
                () => $"{listener.Count} delivered, auth failures {server.Drops.Get(Protocols.DropReason.SrtpAuthFailed) + transport.Drops.Get(Protocols.DropReason.SrtpAuthFailed)}, replays {transport.Drops.Get(Protocols.DropReason.SrtpReplay)}, overlaps {listener.Overlaps}");

            Assert.Equal(0, listener.Overlaps);
            Assert.Equal(0, transport.Drops.Get(Protocols.DropReason.SrtpAuthFailed));
            Assert.Equal(0, transport.Drops.Get(Protocols.DropReason.SrtpReplay));
            for (int f = 0; f < 2; f++)
            {
                List<byte[]> got = [.. listener.Packets.Where(p => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(8)) == Ssrc(f))];
                Assert.Equal(PerFlow, got.Count);
                for (int i = 0; i < PerFlow; i++)
                {
                    // In order, each once, intact.
                    Assert.Equal(TestPackets.Rtp(Ssrc(f), (ushort)(i + 1), 120, Seed(f, i)), got[i]);
                }
            }
        }
        finally
        {
            flows.ForEach(f => f.Dispose());
        }
    }

    private static uint Ssrc(int flow) => 0x1000u + (uint)flow;

    private static int Seed(int flow, int index) => (flow * 100_000) + index;

    /// <summary>Records delivered RTP and counts deliveries that overlapped another one of the same transport.</summary>
    private sealed class OverlapListener : IWebRtcTransportListener
    {
        private readonly TaskCompletionSource<WebRtcTransportState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inside;
        private int _overlaps;
        private int _count;

        public bool Record { get; set; }

        public System.Collections.Concurrent.ConcurrentQueue<byte[]> Packets { get; } = new();

        public int Overlaps => Volatile.Read(ref _overlaps);

        public int Count => Volatile.Read(ref _count);

        public Task<WebRtcTransportState> Settled => _settled.Task;

        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
            if (state >= WebRtcTransportState.Connected)
            {
                _settled.TrySetResult(state);
            }
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet)
        {
            if (Interlocked.Increment(ref _inside) > 1)
            {
                Interlocked.Increment(ref _overlaps);
            }
            if (Record)
            {
                Packets.Enqueue(packet.Span.ToArray());
                Interlocked.Increment(ref _count);
                // Per-stream work of a real listener (the router) takes this long: the window a second loop would hit.
                Thread.SpinWait(200);
            }
            Interlocked.Decrement(ref _inside);
        }

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
        {
        }
    }
}
