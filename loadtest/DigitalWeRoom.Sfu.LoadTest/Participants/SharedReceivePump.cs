using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.LoadTest.Participants;

/// <summary>
/// Receives for many synthetic clients from a few threads (Linux epoll), instead of one blocked thread per client:
/// with a thread per client, every forwarded packet wakes its own thread (a context switch each), which on two cores
/// costs more than the server's forwarding. Each thread owns an epoll set; a client's socket is added to the least
/// loaded set, and each ready socket is read once per wait with a non-blocking <c>recvfrom</c> straight into a pooled
/// packet, then handed to <see cref="UdpEndpoint.ProcessDatagram"/> as the endpoint's own receive loop would
/// (level-triggered: a socket with more queued datagrams is reported again by the next wait).
/// </summary>
internal sealed partial class SharedReceivePump : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int MsgDontWait = 0x40;
    private const int MaxEvents = 256;
    private readonly Worker[] _workers;
    private volatile bool _disposed;

    public SharedReceivePump(int threads)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            // struct epoll_event is packed (12 bytes) on x86-64 only.
            throw new PlatformNotSupportedException("the shared receive pump uses epoll (Linux x86-64)");
        }
        if (threads is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(threads), "1..64 receive threads");
        _workers = new Worker[threads];
        for (int i = 0; i < threads; i++)
        {
            int epoll = EpollCreate1(0);
            if (epoll < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
            _workers[i] = new Worker(this, epoll);
            _workers[i].Thread = new Thread(_workers[i].Run) { IsBackground = true, Name = "dwr-lt-recv-" + i };
            _workers[i].Thread!.Start();
        }
    }

    /// <summary>Datagrams read by all threads.</summary>
    public long Datagrams => _workers.Sum(w => Interlocked.Read(ref w.Datagrams));

    /// <summary>Starts receiving for <paramref name="endpoint"/> (created without its own receive thread).</summary>
    public void Add(UdpEndpoint endpoint)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Worker worker = _workers.MinBy(w => w.Count)!;
        lock (worker.Gate)
        {
            int slot = worker.Endpoints.Count;
            worker.Endpoints.Add(endpoint);
            worker.Count++;
            var ev = new EpollEvent { Events = EpollIn, Data = (ulong)slot };
            if (EpollCtl(worker.Epoll, EpollCtlAdd, (int)endpoint.PrimarySocket.Handle, ref ev) != 0)
            {
                throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    /// <summary>
    /// Stops receiving for <paramref name="endpoint"/> (its socket stays open and unread, e.g. a sink's once it
    /// connected). A wait that already returned it may still read it once.
    /// </summary>
    public void Remove(UdpEndpoint endpoint)
    {
        foreach (var worker in _workers)
        {
            lock (worker.Gate)
            {
                int slot = worker.Endpoints.IndexOf(endpoint);
                if (slot < 0) continue;
                var ev = default(EpollEvent);
                _ = EpollCtl(worker.Epoll, EpollCtlDel, (int)endpoint.PrimarySocket.Handle, ref ev);
                worker.Endpoints[slot] = null;
                worker.Count--;
                return;
            }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var w in _workers) w.Thread?.Join(TimeSpan.FromSeconds(2));
        foreach (var w in _workers) _ = Close(w.Epoll);
    }

    private sealed class Worker(SharedReceivePump owner, int epoll)
    {
        public readonly object Gate = new();
        /// <summary>Indexed by the epoll data slot; null once removed (slots are not reused).</summary>
        public readonly List<UdpEndpoint?> Endpoints = [];
        public readonly int Epoll = epoll;
        public Thread? Thread;
        public volatile int Count;
        public long Datagrams;

        public unsafe void Run()
        {
            var events = new EpollEvent[MaxEvents];
            var remotes = new Dictionary<AddressFamily, SocketAddress>();
            while (!owner._disposed)
            {
                int ready;
                fixed (EpollEvent* e = events)
                {
                    ready = EpollWait(Epoll, e, MaxEvents, 100);
                }
                for (int i = 0; i < ready; i++)
                {
                    UdpEndpoint? endpoint;
                    lock (Gate) endpoint = Endpoints[(int)events[i].Data];
                    if (endpoint is not null) ReceiveOne(endpoint, remotes);
                }
            }
        }

        private unsafe void ReceiveOne(UdpEndpoint endpoint, Dictionary<AddressFamily, SocketAddress> remotes)
        {
            Socket socket = endpoint.PrimarySocket;
            SafeHandle handle = socket.SafeHandle;
            bool added = false;
            PooledPacket packet = endpoint.Pool.Rent();
            try
            {
                handle.DangerousAddRef(ref added);
                if (!remotes.TryGetValue(socket.AddressFamily, out SocketAddress? remote))
                {
                    remote = new SocketAddress(socket.AddressFamily);
                    remotes[socket.AddressFamily] = remote;
                }
                remote.Size = remote.Buffer.Length;
                int addressLength = remote.Size;
                long received;
                fixed (byte* buffer = packet.Buffer)
                fixed (byte* address = remote.Buffer.Span)
                {
                    received = RecvFrom((int)handle.DangerousGetHandle(), buffer, packet.Buffer.Length, MsgDontWait, address, &addressLength);
                }
                if (received <= 0) return;
                remote.Size = addressLength;
                packet.Length = (int)received;
                // DWR_PATH_TRACE: the kernel's receive time of this datagram, for the g.kernel stage and the late log.
                if (Transport.Diagnostics.PathTraceHooks.Enabled) Transport.Diagnostics.PathTraceHooks.OnGeneratorDatagram(endpoint);
                Interlocked.Increment(ref Datagrams);
                endpoint.ProcessDatagram(packet, remote);
            }
            catch (ObjectDisposedException)
            {
                // The client left meanwhile; its closed socket has left the epoll set.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // NOTE: as the endpoint's own loop: a listener bug must not stop receiving for every client.
                endpoint.Drops.Increment(Protocols.DropReason.Malformed);
            }
            finally
            {
                if (added) handle.DangerousRelease();
                packet.Release();
            }
        }
    }

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    private static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    private static partial int EpollCtl(int epfd, int op, int fd, ref EpollEvent ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    private static unsafe partial int EpollWait(int epfd, EpollEvent* events, int maxEvents, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "recvfrom", SetLastError = true)]
    private static unsafe partial nint RecvFrom(int fd, byte* buffer, nint length, int flags, byte* address, int* addressLength);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
