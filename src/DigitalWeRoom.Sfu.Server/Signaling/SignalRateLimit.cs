namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// One connection's message rate (<c>Sfu:Limits:MessagesPerSecond</c>, bursts of twice that) and how often it is told
/// it went over: at most one error per second, so a flood does not turn into a flood of replies.
/// </summary>
internal sealed class SignalRateLimit(TimeProvider time, int messagesPerSecond)
{
    private readonly TokenBucket _bucket = new(time, messagesPerSecond, messagesPerSecond * 2.0);
    private long _lastErrorTimestamp;

    public int MessagesPerSecond => messagesPerSecond;

    /// <summary>Takes a permit for one message; false: drop it.</summary>
    public bool TryTake() => _bucket.TryTake();

    /// <summary>Whether a dropped message should be answered with an error now.</summary>
    public bool ShouldReply()
    {
        var now = time.GetTimestamp();
        if (_lastErrorTimestamp != 0 && time.GetElapsedTime(_lastErrorTimestamp, now) < TimeSpan.FromSeconds(1))
        {
            return false;
        }

        _lastErrorTimestamp = now;
        return true;
    }
}
