namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Which simulcast layers of one published track the publisher should encode (dynacast), from the router's
/// "layers needed" masks. A layer turns on as soon as any subscriber needs it and turns off only after nobody has
/// needed it for <c>offDelay</c>, so a subscriber whose bandwidth layer flaps does not make the publisher restart
/// an encoder every second. The lowest layer always stays on: a new subscriber then gets video at once and the
/// allocator always has a layer to fall back to. Pure and single-threaded (callers lock).
/// </summary>
internal sealed class DynacastLayers
{
    private readonly long[] _lastNeeded;
    private readonly long _offDelay;

    /// <param name="layerCount">Layers of the track, lowest first (1..31).</param>
    /// <param name="offDelay">How long an unneeded layer stays on, in <paramref name="frequency"/> ticks units.</param>
    public DynacastLayers(int layerCount, TimeSpan offDelay, long frequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layerCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layerCount, 31);
        _lastNeeded = new long[layerCount];
        Array.Fill(_lastNeeded, long.MinValue);
        _offDelay = (long)(offDelay.TotalSeconds * frequency);
        Active = AllLayers;
    }

    /// <summary>Bit i = layer i is (told to be) encoded. All layers until told otherwise (the page starts with all).</summary>
    public int Active { get; private set; }

    private int AllLayers => (1 << _lastNeeded.Length) - 1;

    /// <summary>The router's mask of needed layers changed (bit i = layer i). True when <see cref="Active"/> changed.</summary>
    public bool OnNeeded(int mask, long now)
    {
        for (int i = 0; i < _lastNeeded.Length; i++)
        {
            if ((mask & (1 << i)) != 0) _lastNeeded[i] = long.MaxValue; // needed until the mask says otherwise
            else if (_lastNeeded[i] is long.MaxValue or long.MinValue) _lastNeeded[i] = now; // the delay starts now
        }
        return Evaluate(now);
    }

    /// <summary>Periodic: turns off layers unneeded for longer than the delay. True when <see cref="Active"/> changed.</summary>
    public bool Tick(long now) => Evaluate(now);

    private bool Evaluate(long now)
    {
        int active = 1; // the lowest layer always
        for (int i = 1; i < _lastNeeded.Length; i++)
        {
            long last = _lastNeeded[i];
            if (last == long.MaxValue || (last != long.MinValue && now - last < _offDelay)) active |= 1 << i;
        }
        if (active == Active) return false;
        Active = active;
        return true;
    }
}
