namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// When a receive loop reads the next datagram before it sends what the last one caused. A datagram already queued
/// behind the one just processed (the rest of a video frame: a publisher sends a frame's packets back to back) is read
/// and processed in the same <see cref="EgressBatch"/> scope, so its sends leave in the same <c>sendmmsg</c>: one
/// system call, and on loopback one wake-up of each receiving socket's thread, for the frame instead of one per
/// packet. Nothing waits for a datagram that has not arrived: the loop reads on only while the socket already holds
/// one, so the first packet's sends wait for the processing of packets that were queued anyway (each of which would
/// otherwise have waited for the first one's <c>sendmmsg</c>). Bounded, so a busy socket still sends often: at most
/// <see cref="MaxDatagrams"/> datagrams, and not once the batch holds half of <see cref="EgressBatch.Capacity"/>
/// (a fan-out that fills batches gains nothing from one more datagram in it).
/// </summary>
internal static class ReceiveCoalescing
{
    /// <summary>
    /// Off with <c>DWR_RECEIVE_COALESCING=0</c> in the environment (as <c>DWR_SENDMMSG=0</c> turns batching off): an
    /// A/B of the same build on a quiet machine, where the latency cost of holding a batch can be told from noise.
    /// </summary>
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("DWR_RECEIVE_COALESCING") != "0";

    /// <summary>Datagrams read into one batch at most.</summary>
    public const int MaxDatagrams = 8;

    /// <summary>Datagrams waiting in the batch from which the loop sends before it reads on.</summary>
    public const int MaxPendingSends = EgressBatch.Capacity / 2;

    /// <summary>
    /// Whether the loop asks its socket for a queued datagram (FIONREAD, a system call) to read into the open batch:
    /// <paramref name="read"/> datagrams processed in it so far, <paramref name="pendingSends"/> datagrams waiting in
    /// it. None waiting (everything went to send workers, or nothing was sent): sending costs nothing now, so there is
    /// nothing to share and the question is not worth its system call.
    /// </summary>
    public static bool WorthAsking(int read, int pendingSends) =>
        pendingSends > 0 && read < MaxDatagrams && pendingSends < MaxPendingSends;
}
