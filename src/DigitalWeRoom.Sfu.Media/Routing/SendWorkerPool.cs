namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>What a <see cref="SendWorkerPool"/> is built with (Sfu:Media:SendWorkers and friends).</summary>
public sealed record SendWorkerOptions
{
    /// <summary>
    /// Partitions of the fan-out: partition 0 sends on the thread that produced the item (a publisher's receive loop),
    /// partitions 1..N-1 each have a dedicated <see cref="SendWorker"/> thread. 1: everything on the receive loop (one
    /// room's fan-out on one core); 0: one partition per core.
    /// </summary>
    public int Workers { get; init; }

    /// <summary>
    /// Items each transport pinned to a worker may have waiting there (a power of two): its own budget, so a full one
    /// drops its own oldest item and never another transport's (<see cref="WorkerInbox"/>). 256 is about a quarter
    /// of a second of what one subscriber of a six-person meeting gets from the load generator (5 × 200 packets/s).
    /// </summary>
    public int TransportQueueCapacity { get; init; } = DefaultTransportQueueCapacity;

    /// <summary>The default of <see cref="TransportQueueCapacity"/> (Sfu:Media:SendQueueCapacity).</summary>
    public const int DefaultTransportQueueCapacity = 256;

    /// <summary>
    /// A transport pinned to partition 0 counts this many times when transports are spread: the receive loop also
    /// receives, decrypts and runs every consumer's rewrite, so it takes a smaller share of the sends (with 2
    /// partitions and weight 2: a third of the transports; the receive loop then carries about as much as the worker).
    /// </summary>
    public int InlineWeight { get; init; } = 2;

    /// <summary>
    /// How long a transport is a newcomer, from the first item posted to it: while established transports have items,
    /// a worker gives newcomers one turn in 16 (issue 16: a storm of 500 joins must take nothing from rooms already
    /// running; a newcomer's first seconds bring its key frames, probes and retransmissions). Zero: no newcomers.
    /// </summary>
    public TimeSpan NewcomerPeriod { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The clock of <see cref="NewcomerPeriod"/> (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>False (tests): workers run no thread; the test drains them by hand.</summary>
    public bool StartThreads { get; init; } = true;

    /// <summary>Runs first on each worker thread with its partition number (benchmarks pin threads to cores).</summary>
    public Action<int>? OnWorkerStart { get; init; }

    /// <summary>The partitions actually used: <see cref="Workers"/>, or the processor count when it is 0.</summary>
    public int EffectivePartitions => Workers > 0 ? Workers : Environment.ProcessorCount;
}

/// <summary>
/// The process's send workers, shared by every room's <see cref="Router"/>. Each transport is pinned, when it is
/// created, to one partition — the lightest one, so a room's subscribers are spread evenly over the cores — and
/// keeps it for life: its <see cref="TransportSender"/> state then has one owner (the worker thread, or for partition
/// 0 one inline sender at a time behind the busy flag) and its packets keep their order.
/// </summary>
public sealed class SendWorkerPool : IDisposable
{
    private readonly object _gate = new();
    private readonly SendWorker[] _workers;
    private readonly int[] _pinned;
    private readonly int _inlineWeight;
    private bool _disposed;

    public SendWorkerPool(SendWorkerOptions options)
    {
        int partitions = Math.Clamp(options.EffectivePartitions, 1, 64);
        _inlineWeight = Math.Max(1, options.InlineWeight);
        _workers = new SendWorker[partitions - 1];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new SendWorker(i + 1, options.TransportQueueCapacity, options.StartThreads, options.OnWorkerStart, options.NewcomerPeriod, options.TimeProvider);
        }
        _pinned = new int[partitions];
    }

    /// <summary>Partitions, the inline one included.</summary>
    public int Partitions => _pinned.Length;

    /// <summary>The dedicated workers (partitions 1..N-1).</summary>
    internal IReadOnlyList<SendWorker> Workers => _workers;

    /// <summary>Bytes the workers' threads allocated while draining (0 in steady state: the hot path allocates nothing).</summary>
    public long AllocatedBytes => _workers.Sum(w => w.AllocatedBytes);

    /// <summary>Drains (one <c>sendmmsg</c> scope each) that sent at least one item, all workers.</summary>
    public long Drains => _workers.Sum(w => w.Drains);

    /// <summary>Items the workers sent.</summary>
    public long Processed => _workers.Sum(w => w.Processed);

    /// <summary>Items the workers dropped, oldest first, because one transport's inbox was full (all transports; metrics).</summary>
    public long QueueOverflows
    {
        get
        {
            long total = 0;
            foreach (var worker in _workers) total += worker.Dropped;
            return total;
        }
    }

    /// <summary>Items waiting in all workers' inboxes.</summary>
    public int Backlog
    {
        get
        {
            int total = 0;
            foreach (var worker in _workers) total += worker.Backlog;
            return total;
        }
    }

    /// <summary>Pins a new transport: null means partition 0 (inline on the producing thread), else its worker.</summary>
    internal SendWorker? Assign()
    {
        lock (_gate)
        {
            if (_disposed || _workers.Length == 0)
            {
                return null;
            }
            int best = 0;
            long bestLoad = (long)_pinned[0] * _inlineWeight;
            for (int i = 1; i < _pinned.Length; i++)
            {
                // Ties go to a worker: with equal weight the receive loop keeps the smaller share.
                if (_pinned[i] < bestLoad || (_pinned[i] == bestLoad && best == 0))
                {
                    best = i;
                    bestLoad = _pinned[i];
                }
            }
            _pinned[best]++;
            return best == 0 ? null : _workers[best - 1];
        }
    }

    /// <summary>The transport pinned by <see cref="Assign"/> closed.</summary>
    internal void Unassign(SendWorker? worker)
    {
        lock (_gate)
        {
            int index = worker?.Index ?? 0;
            if (_pinned[index] > 0) _pinned[index]--;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        foreach (var worker in _workers) worker.Dispose();
    }
}
