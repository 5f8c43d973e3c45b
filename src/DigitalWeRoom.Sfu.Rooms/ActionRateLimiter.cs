namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// How often one participant may do something that costs the room more than it costs the client: at most
/// <c>perMinute</c> in any 60 s window and none sooner than <c>minInterval</c> after the previous one. ICE restarts
/// (RFC 8445 §9: cheap for a client, a new offer for the server) and renames (a broadcast to every member) use it.
/// Used on the room's loop only.
/// </summary>
internal sealed class ActionRateLimiter(TimeProvider time, int perMinute, TimeSpan minInterval, string what)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly Queue<long> _granted = new();

    /// <summary>True and counted when the action is allowed now; otherwise a reason for the client.</summary>
    public bool TryAcquire(out string reason)
    {
        var now = time.GetTimestamp();
        while (_granted.Count > 0 && time.GetElapsedTime(_granted.Peek(), now) >= Window)
        {
            _granted.Dequeue();
        }

        if (_granted.Count > 0 && time.GetElapsedTime(_granted.Last(), now) < minInterval)
        {
            reason = $"at most one {what} every {minInterval.TotalSeconds:0.#} s";
            return false;
        }

        if (_granted.Count >= perMinute)
        {
            reason = $"at most {perMinute} {what}s per minute";
            return false;
        }

        _granted.Enqueue(now);
        reason = "";
        return true;
    }
}
