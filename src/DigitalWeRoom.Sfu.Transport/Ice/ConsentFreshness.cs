namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// RFC 7675 consent freshness for one transport: consent is renewed by every authenticated check
/// (or, for our controlling client, every authenticated response); without one for
/// <see cref="Timeout"/> (30 s, §5.1) the transport must stop sending and is failed.
/// </summary>
internal sealed class ConsentFreshness
{
    private readonly TimeProvider _time;
    private long _lastConsent;

    public ConsentFreshness(TimeProvider time, TimeSpan timeout)
    {
        _time = time;
        Timeout = timeout;
        _lastConsent = time.GetTimestamp();
    }

    public TimeSpan Timeout { get; }

    public void Refresh() => Volatile.Write(ref _lastConsent, _time.GetTimestamp());

    public TimeSpan SinceLastConsent => _time.GetElapsedTime(Volatile.Read(ref _lastConsent));

    public bool IsExpired => SinceLastConsent > Timeout;
}
