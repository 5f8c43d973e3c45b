namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// ICE restarts one participant may ask for (RFC 8445 §9 restarts are cheap for a client and cost the server a
/// new offer each): at most <c>perMinute</c> in any 60 s window and none sooner than <c>minInterval</c> after the
/// previous one. Used on the room's loop only.
/// </summary>
internal sealed class IceRestartLimiter(TimeProvider time, int perMinute, TimeSpan minInterval)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<long> _granted = new();

    /// <summary>True and counted when a restart is allowed now; otherwise a reason for the client.</summary>
    public bool TryAcquire(out string reason)
    {
        var now = time.GetTimestamp();
        while (_granted.Count > 0 && time.GetElapsedTime(_granted.Peek(), now) >= Window)
        {
            _granted.Dequeue();
        }

        if (_granted.Count > 0 && time.GetElapsedTime(_granted.Last(), now) < minInterval)
        {
            reason = $"at most one ICE restart every {minInterval.TotalSeconds:0.#} s";
            return false;
        }

        if (_granted.Count >= perMinute)
        {
            reason = $"at most {perMinute} ICE restarts per minute";
            return false;
        }

        _granted.Enqueue(now);
        reason = "";
        return true;
    }
}
