namespace DigitalWeRoom.Sfu.Transport.Diagnostics;

/// <summary>
/// The narrow public face of the bench-only <see cref="PathTrace"/> (<c>DWR_PATH_TRACE=1</c>) for the layers above
/// Transport and the load generator. Callers test <see cref="Enabled"/> first: off (the default) that is the whole
/// cost, one static readonly field, and no hook runs. Every hook takes only packet bytes, checks their length and
/// stamp, and returns quietly on anything else.
/// </summary>
public static class PathTraceHooks
{
    /// <summary>True only in a bench run with <c>DWR_PATH_TRACE=1</c>.</summary>
    public static readonly bool Enabled = PathTrace.Enabled;

    /// <summary>Router, after SRTP decryption: records this thread's kernel, dequeue and routed times for a stamped packet.</summary>
    public static void OnRouted(ReadOnlySpan<byte> rtp) => PathTrace.OnRouted(rtp);

    /// <summary>Send path, before protection: the send time (inline or by a worker), remembered until the batch flushes.</summary>
    public static void OnSend(ReadOnlySpan<byte> rtp, bool byWorker) => PathTrace.OnSend(rtp, byWorker);

    /// <summary>
    /// Load generator, a receive thread of its own (the shared receive pump) that just read a datagram from
    /// <paramref name="endpoint"/>'s socket: remembers the kernel's receive time of it for this thread, as a receive
    /// loop does (the endpoint, not a socket handle, crosses the assembly boundary).
    /// </summary>
    public static void OnGeneratorDatagram(Udp.UdpEndpoint endpoint) => PathTrace.OnReceived(endpoint.PrimarySocket);

    /// <summary>The kernel's receive time (Stopwatch ticks) of the datagram this thread read last; 0 if unknown.</summary>
    public static long LastKernelTicks => PathTrace.LastKernel;

    /// <summary>Load generator, a decrypted packet read at <paramref name="nowTicks"/>: its kernel receive and decrypt times.</summary>
    public static void OnGeneratorReceived(ReadOnlySpan<byte> rtp, long nowTicks)
    {
        if (!PathTrace.TryStamp(rtp, out long sent, out int cls)) return;
        PathTrace.Record(PathTrace.GKernel, cls, sent, PathTrace.LastKernel);
        PathTrace.Record(PathTrace.GOnRtp, cls, sent, nowTicks);
    }
}
