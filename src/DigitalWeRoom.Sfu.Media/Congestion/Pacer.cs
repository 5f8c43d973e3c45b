namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Token-bucket pacer for one subscriber's send loop: bytes flow at <see cref="PacingFactor"/> × the bandwidth
/// estimate with a burst allowance of <see cref="BurstMicros"/> worth of tokens. The allowance covers a whole video
/// frame that fits the estimate, so such a frame leaves at once (pacing it would only add latency: Janus does not
/// pace at all); what is paced is a burst beyond the estimate, a key frame several times a delta frame's size. Items that may not go yet wait in a
/// bounded ring (capacity fixed at construction); when full the oldest is handed back to be dropped, so the caller
/// (the send loop, never a receive loop) never blocks. Priority items (audio) wait in a second bounded ring that
/// is served first and regardless of the budget: they leave at the next dequeue, ahead of any queued video, and
/// their bytes are charged to the budget (a debt of at most one burst) so the video behind them is paced around
/// them. Single-threaded; no allocation after construction.
/// </summary>
internal sealed class Pacer<T>
{
    public const double PacingFactor = 1.5;

    /// <summary>
    /// Burst allowance at the pacing rate: 50 ms × 1.5 = 75 ms of the rate base, a whole frame at ≥ 13.3 fps of a
    /// stream within the estimate (a 30 fps frame is 33 ms of its bitrate). At 20 ms (30 ms of the base) the last
    /// packet of every average 30 fps frame waited for the pacer's timer (≥ 1 ms) whenever the estimate was close to
    /// the sent rate.
    /// </summary>
    public const long BurstMicros = 50_000;

    /// <summary>While packets wait, budget for at most this much elapsed time is kept (late timer wake-ups).</summary>
    public const long MaxBacklogCreditMicros = 500_000;

    private readonly T[] _items;
    private readonly int[] _sizes;
    private readonly T[] _priority;
    private readonly int[] _prioritySizes;
    private int _head;
    private int _count;
    private int _priorityHead;
    private int _priorityCount;
    private double _bytesPerMicro;
    private double _tokens;
    private long _lastRefill = long.MinValue;
    private bool _wasIdle = true;

    public Pacer(int capacity, double estimateBps)
    {
        _items = new T[capacity];
        _sizes = new int[capacity];
        _priority = new T[Math.Max(16, capacity / 4)];
        _prioritySizes = new int[_priority.Length];
        SetEstimate(estimateBps);
        _tokens = MaxTokens;
    }

    /// <summary>Items waiting, priority ones included.</summary>
    public int Count => _count + _priorityCount;

    /// <summary>Priority items waiting.</summary>
    public int PriorityCount => _priorityCount;

    public int Capacity => _items.Length;

    public double RateBps => _bytesPerMicro * 8_000_000;

    private double MaxTokens => Math.Max(1500, _bytesPerMicro * BurstMicros);

    /// <summary>New rate; a lower one also shrinks the burst allowance already saved up.</summary>
    public void SetEstimate(double estimateBps)
    {
        _bytesPerMicro = Math.Max(1, estimateBps) * PacingFactor / 8_000_000;
        _tokens = Math.Min(_tokens, MaxTokens);
    }

    /// <summary>Queue an item of <paramref name="size"/> bytes. When full, the oldest is returned in <paramref name="dropped"/>.</summary>
    public bool Enqueue(T item, int size, out T? dropped) => Enqueue(item, size, priority: false, out dropped);

    /// <summary>
    /// Queue an item; a <paramref name="priority"/> one (audio) goes ahead of every non-priority item and is not held
    /// for the budget. When its ring is full, the oldest of that ring is returned in <paramref name="dropped"/>.
    /// </summary>
    public bool Enqueue(T item, int size, bool priority, out T? dropped)
    {
        if (priority)
        {
            return EnqueuePriority(item, size, out dropped);
        }
        dropped = default;
        bool overflow = false;
        if (_count == _items.Length)
        {
            dropped = _items[_head];
            _items[_head] = default!;
            _head = (_head + 1) % _items.Length;
            _count--;
            overflow = true;
        }
        if (_count == 0)
        {
            // The time since the last refill was idle: settle it with the idle cap at the next refill.
            _wasIdle = true;
        }

        int tail = (_head + _count) % _items.Length;
        _items[tail] = item;
        _sizes[tail] = size;
        _count++;
        return !overflow;
    }

    /// <summary>The next item: a priority one at once, else the oldest if the budget allows sending it at <paramref name="nowMicros"/>.</summary>
    public bool TryDequeue(long nowMicros, out T item)
    {
        Refill(nowMicros);
        if (_priorityCount > 0)
        {
            item = _priority[_priorityHead];
            // Charged to the budget, but never more than one burst of debt: audio cannot starve video for long.
            _tokens = Math.Max(-MaxTokens, _tokens - _prioritySizes[_priorityHead]);
            TakePriority();
            return true;
        }
        if (_count == 0 || _tokens < Math.Min(_sizes[_head], MaxTokens))
        {
            item = default!;
            return false;
        }
        item = _items[_head];
        _tokens -= _sizes[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        return true;
    }

    /// <summary>The oldest item regardless of the budget (to release everything on close).</summary>
    public bool TryDequeueUnpaced(out T item)
    {
        if (_priorityCount > 0)
        {
            item = _priority[_priorityHead];
            TakePriority();
            return true;
        }
        if (_count == 0)
        {
            item = default!;
            return false;
        }
        item = _items[_head];
        _items[_head] = default!;
        _head = (_head + 1) % _items.Length;
        _count--;
        return true;
    }

    /// <summary>Microseconds until the head item may go (0: now; -1: queue empty).</summary>
    public long DelayUntilNext(long nowMicros)
    {
        if (_priorityCount > 0) return 0;
        if (_count == 0) return -1;
        Refill(nowMicros);
        double missing = Math.Min(_sizes[_head], MaxTokens) - _tokens;
        return missing <= 0 ? 0 : (long)Math.Ceiling(missing / _bytesPerMicro);
    }

    private bool EnqueuePriority(T item, int size, out T? dropped)
    {
        dropped = default;
        bool overflow = false;
        if (_priorityCount == _priority.Length)
        {
            dropped = _priority[_priorityHead];
            TakePriority();
            overflow = true;
        }
        int tail = (_priorityHead + _priorityCount) % _priority.Length;
        _priority[tail] = item;
        _prioritySizes[tail] = size;
        _priorityCount++;
        return !overflow;
    }

    private void TakePriority()
    {
        _priority[_priorityHead] = default!;
        _priorityHead = (_priorityHead + 1) % _priority.Length;
        _priorityCount--;
    }

    private void Refill(long nowMicros)
    {
        if (_lastRefill != long.MinValue && nowMicros > _lastRefill)
        {
            // Idle, the bucket holds one burst at most (no catch-up burst after a pause). Backlogged, the time that
            // passed is owed in full: a wake-up that comes late (a loaded machine, coarse timers) must not shrink
            // the rate to burst ÷ wake-up interval, which would build a standing queue and drop media.
            double refilled = _tokens + ((nowMicros - _lastRefill) * _bytesPerMicro);
            double cap = _count > 0 && !_wasIdle ? Math.Max(MaxTokens, _bytesPerMicro * MaxBacklogCreditMicros) : MaxTokens;
            _tokens = Math.Min(cap, refilled);
        }

        _wasIdle = _count == 0;
        _lastRefill = nowMicros;
    }
}
