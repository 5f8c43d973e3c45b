namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// When each step of one transport's connection first happened, as <see cref="TimeProvider"/> timestamps of the
/// directory's clock (0 = not yet): the first authenticated STUN check (RFC 8445 §7.3), the first USE-CANDIDATE
/// (§7.3.1.5), the first DTLS record from the peer (its ClientHello, RFC 6347 §4.2), DTLS connected (keys derived,
/// RFC 5764 §4.2), the first SRTP packet in and out. Diagnostics for the first-remote-frame timeline
/// (docs/benchmarks.md); each mark is one compare on a path that runs once, or on the first packet only.
/// </summary>
public sealed class TransportTimeline
{
    private long _firstCheck;
    private long _firstNomination;
    private long _firstDtlsRecord;
    private long _dtlsConnected;
    private long _firstRtpIn;
    private long _firstRtpOut;
    private int _firstCheckTcp = -1;
    private int _firstNominationTcp = -1;
    private long _dtlsRecordsOffPath;

    public long FirstCheck => Volatile.Read(ref _firstCheck);

    /// <summary>Whether the first authenticated check came over ICE-TCP (null before any check).</summary>
    public bool? FirstCheckWasTcp => Volatile.Read(ref _firstCheckTcp) is var t and >= 0 ? t == 1 : null;

    public long FirstNomination => Volatile.Read(ref _firstNomination);

    /// <summary>Whether the first USE-CANDIDATE came over ICE-TCP (null before any).</summary>
    public bool? FirstNominationWasTcp => Volatile.Read(ref _firstNominationTcp) is var t and >= 0 ? t == 1 : null;

    /// <summary>DTLS records that came on a validated pair other than the selected one (accepted, RFC 8445 §12.2).</summary>
    public long DtlsRecordsOffPath => Interlocked.Read(ref _dtlsRecordsOffPath);

    public long FirstDtlsRecord => Volatile.Read(ref _firstDtlsRecord);

    public long DtlsConnected => Volatile.Read(ref _dtlsConnected);

    public long FirstRtpIn => Volatile.Read(ref _firstRtpIn);

    public long FirstRtpOut => Volatile.Read(ref _firstRtpOut);

    internal void OnCheck(long now, bool tcp, bool nominated)
    {
        if (Interlocked.CompareExchange(ref _firstCheck, now, 0) == 0)
        {
            Volatile.Write(ref _firstCheckTcp, tcp ? 1 : 0);
        }
        if (nominated && Interlocked.CompareExchange(ref _firstNomination, now, 0) == 0)
        {
            Volatile.Write(ref _firstNominationTcp, tcp ? 1 : 0);
        }
    }

    internal void OnDtlsRecordOffPath() => Interlocked.Increment(ref _dtlsRecordsOffPath);

    internal void OnDtlsRecord(TimeProvider time) => MarkOnce(ref _firstDtlsRecord, time);

    internal void OnDtlsConnected(TimeProvider time) => MarkOnce(ref _dtlsConnected, time);

    internal void OnFirstRtpIn(TimeProvider time) => MarkOnce(ref _firstRtpIn, time);

    internal void OnFirstRtpOut(TimeProvider time) => MarkOnce(ref _firstRtpOut, time);

    private static void MarkOnce(ref long field, TimeProvider time)
    {
        if (Volatile.Read(ref field) == 0)
        {
            Interlocked.CompareExchange(ref field, time.GetTimestamp(), 0);
        }
    }
}
