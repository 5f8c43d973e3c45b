using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Outgoing datagrams of one thread collected for one <c>sendmmsg(2)</c> call (Linux, 64-bit) instead of one
/// <c>sendto</c> each: the syscall and socket-lock overhead is paid once per batch. A thread opens a scope with
/// <see cref="Enter"/> (a receive loop around one datagram's processing, a send loop around one drain); while
/// it is open <see cref="UdpEndpoint.SendTo"/> on that thread copies the datagram and its destination into
/// preallocated pinned slots, and the scope's end (or a full batch, or a different socket) sends them all.
/// Outside a scope, or where <c>sendmmsg</c> is unavailable, <see cref="UdpEndpoint.SendTo"/> sends at once.
/// Batches are rented from a small process-wide free list for the scope's duration (not thread-static: thread-pool
/// continuations hop threads, and each new thread would otherwise allocate its own); nothing allocated per packet.
/// </summary>
public sealed unsafe partial class EgressBatch
{
    /// <summary>Datagrams per <c>sendmmsg</c>; the kernel's UIO_MAXIOV is far above.</summary>
    public const int Capacity = 32;

    private const int SlotSize = 2048;
    private const int AddressSize = 128; // sizeof(struct sockaddr_storage)

    [ThreadStatic]
    private static EgressBatch? t_current;

    // A dedicated thread's own batch between its scopes (see KeepOnThisThread).
    [ThreadStatic]
    private static EgressBatch? t_kept;

    [ThreadStatic]
    private static bool t_keep;

    [ThreadStatic]
    private static int t_lane;

    private static readonly EgressBatch?[] s_free = new EgressBatch?[64];

    private static volatile bool s_unsupported = !(OperatingSystem.IsLinux() && IntPtr.Size == 8)
        || Environment.GetEnvironmentVariable("DWR_SENDMMSG") == "0";

    private readonly byte[] _data = GC.AllocateArray<byte>(Capacity * SlotSize, pinned: true);
    private readonly byte[] _addresses = GC.AllocateArray<byte>(Capacity * AddressSize, pinned: true);
    private readonly IoVector[] _iov = GC.AllocateArray<IoVector>(Capacity, pinned: true);
    private readonly MultiMessageHeader[] _headers = GC.AllocateArray<MultiMessageHeader>(Capacity, pinned: true);
    private readonly IEgressFlush?[] _deferred = new IEgressFlush?[Capacity];
    private UdpEndpoint? _endpoint;
    private Socket? _socket;
    private int _count;
    private int _deferredCount;
    private int _depth;

    private EgressBatch()
    {
        fixed (byte* data = _data)
        fixed (byte* addresses = _addresses)
        fixed (IoVector* iov = _iov)
        {
            for (int i = 0; i < Capacity; i++)
            {
                _iov[i].Base = data + (i * SlotSize);
                _headers[i].Header.Name = addresses + (i * AddressSize);
                _headers[i].Header.Iov = iov + i;
                _headers[i].Header.IovLength = 1;
            }
        }
    }

    /// <summary>Whether batching is in use in this process (Linux 64-bit and not disabled by <c>DWR_SENDMMSG=0</c>).</summary>
    public static bool IsSupported => !s_unsupported;

    /// <summary>The open batch of the calling thread, if any.</summary>
    internal static EgressBatch? Current => t_current;

    /// <summary>Datagrams waiting in this batch.</summary>
    public int Count => _count;

    /// <summary>
    /// The calling thread (a dedicated one: a receive loop, a send worker) keeps its batch between scopes instead of
    /// renting it from the process-wide free list per scope: the list's slots are written by every thread that
    /// batches, so two cores renting per packet would pass that cache line back and forth per packet. The thread's
    /// first scope allocates its batch (about 72 KB, pinned), which lives as long as the thread.
    /// </summary>
    /// <param name="keep">False: stop keeping (a test's thread borrowed from the thread pool); the batch goes back to the list.</param>
    public static void KeepOnThisThread(bool keep = true)
    {
        t_keep = keep;
        if (!keep && t_kept is { } kept && t_current != kept)
        {
            t_kept = null;
            Return(kept);
        }
    }

    /// <summary>
    /// The calling thread (a send worker) sends its batches through sockets of its own, one per port socket, bound to
    /// the same address and port (<see cref="LaneSockets"/>), instead of writing the port's socket from a second core.
    /// </summary>
    /// <param name="lane">This thread's number (1 and up; 0: back to the port's sockets). Threads with the same number share.</param>
    public static void SendFromOwnSockets(int lane) => t_lane = Math.Max(0, lane);

    /// <summary>The calling thread's lane (0: it sends through the port's own sockets).</summary>
    internal static int Lane => t_lane;

    /// <summary>
    /// Opens (or nests into) the calling thread's batch; disposing the outermost scope sends what it holds.
    /// A no-op scope where batching is unsupported.
    /// </summary>
    public static Scope Enter()
    {
        if (s_unsupported)
        {
            return default;
        }
        EgressBatch? batch = t_current;
        if (batch is null)
        {
            // A keeping thread has a batch of its own, not one of the free list's (it never gives it back).
            batch = t_keep ? t_kept ??= new EgressBatch() : Rent();
            t_current = batch;
        }
        batch._depth++;
        return new Scope(batch);
    }

    private static EgressBatch Rent()
    {
        EgressBatch?[] free = s_free;
        for (int i = 0; i < free.Length; i++)
        {
            if (Volatile.Read(ref free[i]) is not null && Interlocked.Exchange(ref free[i], null) is { } batch)
            {
                return batch;
            }
        }
        return new EgressBatch();
    }

    private static void Return(EgressBatch batch)
    {
        EgressBatch?[] free = s_free;
        for (int i = 0; i < free.Length; i++)
        {
            if (Volatile.Read(ref free[i]) is null && Interlocked.CompareExchange(ref free[i], batch, null) is null)
            {
                return;
            }
        }
        // More threads batching at once than the list holds: let this one go to the GC.
    }

    /// <summary>
    /// Copies one datagram that <paramref name="endpoint"/> sends through <paramref name="socket"/> (one of its sockets:
    /// a multi-homed port answers from the socket of the address the request came to); false if it does not fit a
    /// slot (send it directly).
    /// </summary>
    internal bool TryAdd(UdpEndpoint endpoint, Socket socket, ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (datagram.Length > SlotSize || destination.Size > AddressSize)
        {
            return false;
        }
        if (_count == Capacity || (_socket is not null && _socket != socket))
        {
            Flush();
        }
        _endpoint = endpoint;
        _socket = socket;
        int i = _count;
        datagram.CopyTo(_data.AsSpan(i * SlotSize, SlotSize));
        destination.Buffer.Span[..destination.Size].CopyTo(_addresses.AsSpan(i * AddressSize, AddressSize));
        _iov[i].Length = (nuint)datagram.Length;
        _headers[i].Header.NameLength = (uint)destination.Size;
        _count = i + 1;
        return true;
    }

    /// <summary>
    /// A stream socket (an ICE-TCP connection) asks to be flushed when this batch is: its frames of the scope leave in
    /// one <c>send</c>. False when the batch holds no more (the caller flushes at once).
    /// </summary>
    internal bool TryDefer(IEgressFlush stream)
    {
        if (_deferredCount == _deferred.Length)
        {
            return false;
        }
        _deferred[_deferredCount++] = stream;
        return true;
    }

    /// <summary>Sends everything held (one <c>sendmmsg</c>, more only after a partial send or an error) and flushes the deferred streams.</summary>
    public void Flush()
    {
        int count = _count;
        UdpEndpoint? endpoint = _endpoint;
        Socket? socket = _socket;
        _count = 0;
        _endpoint = null;
        _socket = null;
        if (count > 0 && endpoint is not null && socket is not null)
        {
            endpoint.SendBatch(this, socket, count);
            if (Diagnostics.PathTrace.Enabled) Diagnostics.PathTrace.OnFlush();
        }
        int deferred = _deferredCount;
        _deferredCount = 0;
        for (int i = 0; i < deferred; i++)
        {
            IEgressFlush stream = _deferred[i]!;
            _deferred[i] = null;
            stream.Flush();
        }
    }

    /// <summary>
    /// Called by <see cref="UdpEndpoint"/> with its socket handle: sends slots [0, count); returns how many the kernel
    /// took. A datagram the kernel refuses (e.g. ICMP-reported error) is skipped so the rest still goes.
    /// </summary>
    internal int SendAll(SafeHandle socket, int count)
    {
        int sent = 0;
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int fd = (int)socket.DangerousGetHandle();
            fixed (MultiMessageHeader* headers = _headers)
            {
                int position = 0;
                while (position < count)
                {
                    // MSG_DONTWAIT: a full socket send buffer drops media (counted) instead of blocking a receive loop.
                    int result = SendMultipleMessages(fd, headers + position, (uint)(count - position), MsgDontWait);
                    if (result > 0)
                    {
                        position += result;
                        sent += result;
                        continue;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (result < 0 && errno == Eintr)
                    {
                        continue;
                    }
                    if (result < 0 && errno == Enosys)
                    {
                        s_unsupported = true;
                        return sent + SendEachFallback(fd, headers, position, count);
                    }
                    // Skip the datagram the kernel refused and keep going.
                    position++;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Socket closed concurrently: nothing more can be sent.
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
        return sent;
    }

    private static int SendEachFallback(int fd, MultiMessageHeader* headers, int from, int count)
    {
        int sent = 0;
        for (int i = from; i < count; i++)
        {
            if (SendMultipleMessages(fd, headers + i, 1, MsgDontWait) == 1)
            {
                sent++;
            }
        }
        return sent;
    }

    private const int MsgDontWait = 0x40;
    private const int Eintr = 4;
    private const int Enosys = 38;

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    private static partial int SendMultipleMessages(int fd, MultiMessageHeader* messages, uint count, int flags);

    /// <summary>struct iovec (x86-64 / arm64 Linux).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (64-bit Linux: 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public byte* Name;
        public uint NameLength;
        public IoVector* Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr (64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct MultiMessageHeader
    {
        public MessageHeader Header;
        public uint Length;
    }

    /// <summary>An open batch scope; disposing the outermost one flushes.</summary>
    public readonly struct Scope(EgressBatch? batch) : IDisposable
    {
        public void Dispose()
        {
            if (batch is null)
            {
                return;
            }
            if (--batch._depth == 0)
            {
                t_current = null;
                try
                {
                    batch.Flush();
                }
                finally
                {
                    if (!t_keep)
                    {
                        Return(batch);
                    }
                }
            }
        }
    }
}
