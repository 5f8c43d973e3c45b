namespace DigitalWeRoom.Sfu.Protocols.Rtp;

/// <summary>
/// RFC 1982 serial number arithmetic for 16-bit RTP sequence numbers and 32-bit timestamps.
/// NOTE: RFC 1982 §3.2 leaves a distance of exactly half the space undefined; here it counts as "not newer" and
/// <see cref="Diff(ushort, ushort)"/> returns the negative half (-32768).
/// </summary>
internal static class SerialNumber
{
    /// <summary>True when <paramref name="a"/> follows <paramref name="b"/> (RFC 1982 §3.2, SERIAL_BITS = 16).</summary>
    public static bool IsNewer(ushort a, ushort b) => a != b && (ushort)(a - b) < 0x8000;

    /// <summary>True when <paramref name="a"/> follows <paramref name="b"/> (RFC 1982 §3.2, SERIAL_BITS = 32).</summary>
    public static bool IsNewer(uint a, uint b) => a != b && a - b < 0x8000_0000u;

    /// <summary>Signed distance a − b in [−32768, 32767].</summary>
    public static int Diff(ushort a, ushort b) => (short)(ushort)(a - b);

    /// <summary>Signed distance a − b in [−2^31, 2^31 − 1].</summary>
    public static long Diff(uint a, uint b) => (int)(a - b);

    /// <summary>The newer of two 16-bit serial numbers.</summary>
    public static ushort Max(ushort a, ushort b) => IsNewer(a, b) ? a : b;
}

/// <summary>
/// Extends 16-bit sequence numbers to 64 bits by counting wraps (RFC 3550 Appendix A.1 "extended highest
/// sequence number"). Each value is placed nearest to the previous one, so reordering within ±32767 is handled.
/// NOTE: a mutable struct; keep it in a field, never copy it.
/// </summary>
internal struct SequenceUnwrapper
{
    private long _last;
    private bool _started;

    /// <summary>The last unwrapped value (valid after the first call to <see cref="Unwrap"/>).</summary>
    public readonly long Last => _last;

    public long Unwrap(ushort sequenceNumber)
    {
        if (!_started)
        {
            _started = true;
            _last = sequenceNumber;
            return _last;
        }
        _last += SerialNumber.Diff(sequenceNumber, (ushort)_last);
        return _last;
    }

    /// <summary>The value <see cref="Unwrap"/> would return, without updating the state.</summary>
    public readonly long Peek(ushort sequenceNumber) => _started ? _last + SerialNumber.Diff(sequenceNumber, (ushort)_last) : sequenceNumber;
}
