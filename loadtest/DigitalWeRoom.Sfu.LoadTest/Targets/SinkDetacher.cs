using System.Diagnostics;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// Sinks and receiver reports. A sink's socket is read (by a shared pump) only until its transport is connected:
/// STUN, DTLS and the first SRTP need answers. Then it leaves the pump, its receive buffer shrinks to the kernel's
/// minimum, and everything the server sends it is dropped by the kernel; its consent checks (the client's own timer)
/// and its receiver reports (this one) keep going out, so the server cannot tell it from a probe.
/// </summary>
/// <param name="shared">The pump every client's socket is read by, or null (a thread per client; sinks get a pump of their own).</param>
/// <param name="rtcpInterval">How often each connected member sends its receiver reports.</param>
internal sealed class SinkDetacher(SharedReceivePump? shared, TimeSpan rtcpInterval) : IDisposable
{
    private readonly object _gate = new();
    private SharedReceivePump? _joinPump;
    private int _detached;

    /// <summary>Sinks connected and detached so far.</summary>
    public int Detached => Volatile.Read(ref _detached);

    /// <summary>The pump that reads a new client's socket: the shared one, or (for a sink without one) a pump of our own.</summary>
    public SharedReceivePump? PumpFor(SyntheticParticipant participant)
    {
        if (shared is not null || !participant.Plan.Sink) return shared;
        lock (_gate) return _joinPump ??= new SharedReceivePump(1);
    }

    /// <summary>Connected: a sink stops reading; every member starts its receiver-report timer.</summary>
    public void OnConnected(ServerMember m)
    {
        IceControllingClient client = m.Client!;
        m.Participant.LocalPort = client.Endpoint.LocalEndPoint.Port;
        if (m.Participant.Plan.Sink)
        {
            PumpFor(m.Participant)!.Remove(client.Endpoint);
            try
            {
                // The kernel rounds up to its minimum (SOCK_MIN_RCVBUF, a few KB): a datagram or two, then drops.
                client.Endpoint.PrimarySocket.ReceiveBufferSize = 1;
            }
            catch (SocketException)
            {
            }
            Interlocked.Increment(ref _detached);
        }
        var first = TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Max(2, (int)rtcpInterval.TotalMilliseconds)));
        m.RtcpTimer = TimeProvider.System.CreateTimer(static state => SendReports((ServerMember)state!), m, first, rtcpInterval);
    }

    /// <summary>One interval's receiver reports: as many compounds as it takes to name every SSRC (31 per RR).</summary>
    private static void SendReports(ServerMember m)
    {
        if (m.Client is not { } client || !Monitor.TryEnter(m.RtcpBuffer)) return;
        try
        {
            long now = Stopwatch.GetTimestamp();
            for (int part = 0; ; part++)
            {
                int length = m.Participant.Reception.Write(m.RtcpBuffer, part, now);
                if (length == 0) break;
                client.TrySendRtcp(m.RtcpBuffer, length);
            }
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Monitor.Exit(m.RtcpBuffer);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _joinPump?.Dispose();
            _joinPump = null;
        }
    }
}
