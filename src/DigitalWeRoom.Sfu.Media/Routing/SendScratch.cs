namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The buffer a sender copies one outgoing packet into, rewrites and SRTP-protects in place: one per sending thread
/// (a send worker, a receive loop sending inline, a transport's own send loop), not one per transport. A thread sends
/// one packet at a time, and the protected datagram is copied into the egress batch or handed to the kernel before
/// the send returns (<c>IRtpPacketSender</c> takes a span: nothing can keep it), so no packet outlives its call. With a
/// buffer per transport, a fan-out to 1,500 subscribers cycled through 3 MB of 2 KB buffers, beyond the core's L2 cache,
/// so every forwarded packet's copy missed it; and each subscriber held 2 KB it used for microseconds per packet.
/// </summary>
internal static class SendScratch
{
    [ThreadStatic]
    private static byte[]? t_buffer;

    /// <summary>
    /// This thread's scratch buffer (<see cref="TransportSender.ScratchLength"/> bytes; made at its first send, on the
    /// pinned heap: it lives as long as the thread and is handed to native crypto and sockets every packet).
    /// </summary>
    public static byte[] Current => t_buffer ??= GC.AllocateArray<byte>(TransportSender.ScratchLength, pinned: true);
}
