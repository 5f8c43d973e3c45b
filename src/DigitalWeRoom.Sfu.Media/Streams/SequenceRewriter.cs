namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// Keeps a subscriber's outgoing sequence numbers and timestamps continuous when the source stream is interrupted
/// (pause/resume, P2P↔SFU, later simulcast layer switches). Between resyncs output = input + offset (mod 2^16 /
/// mod 2^32), so reordering and loss pass through unchanged. At a resync the next packet continues right after the
/// last one sent (seq + 1) and its timestamp advances by the wall-clock time elapsed, in RTP units (at least 1).
/// Owned by the publisher's receive loop (the loop that calls <see cref="TryRewrite"/>).
/// </summary>
internal sealed class SequenceRewriter
{
    private const int GuardWindow = 4096;

    private readonly int _clockRate;
    private bool _guardResyncPoint;
    private bool _started;
    private bool _resyncPending = true;
    private ushort _seqOffset;
    private uint _timestampOffset;
    private ushort _resyncInputSeq;
    private ushort _lastOutputSeq;
    private uint _lastOutputTimestamp;
    private long _lastOutputTime;

    public SequenceRewriter(int clockRate) => _clockRate = clockRate;

    public ushort LastOutputSequence => _lastOutputSeq;

    public uint LastOutputTimestamp => _lastOutputTimestamp;

    /// <summary>The next packet starts a new continuous run (source switched or resumed).</summary>
    public void RequestResync() => _resyncPending = true;

    /// <summary>
    /// Maps an input packet to output seq/timestamp. Returns false for a packet older than the last resync point
    /// (it belongs to the previous run and would duplicate or reorder already-sent numbers).
    /// </summary>
    public bool TryRewrite(ushort inputSeq, uint inputTimestamp, long now, long timestampFrequency, out ushort outputSeq, out uint outputTimestamp)
    {
        if (_resyncPending)
        {
            _resyncPending = false;
            if (_started)
            {
                long elapsed = (now - _lastOutputTime) * _clockRate / timestampFrequency;
                uint advance = (uint)Math.Clamp(elapsed, 1, int.MaxValue);
                _seqOffset = (ushort)(_lastOutputSeq + 1 - inputSeq);
                _timestampOffset = _lastOutputTimestamp + advance - inputTimestamp;
            }
            _resyncInputSeq = inputSeq;
            _guardResyncPoint = true;
            outputSeq = (ushort)(inputSeq + _seqOffset);
            outputTimestamp = inputTimestamp + _timestampOffset;
            Record(outputSeq, outputTimestamp, now);
            _started = true;
            return true;
        }
        if (_guardResyncPoint)
        {
            int sinceResync = (short)(inputSeq - _resyncInputSeq);
            if (sinceResync < 0)
            {
                outputSeq = 0;
                outputTimestamp = 0;
                return false;
            }
            // Far past the resync point the 16-bit comparison would wrap; stop guarding.
            _guardResyncPoint = sinceResync < GuardWindow;
        }
        outputSeq = (ushort)(inputSeq + _seqOffset);
        outputTimestamp = inputTimestamp + _timestampOffset;
        if ((short)(outputSeq - _lastOutputSeq) > 0)
        {
            Record(outputSeq, outputTimestamp, now);
        }
        return true;
    }

    private void Record(ushort seq, uint timestamp, long now)
    {
        _lastOutputSeq = seq;
        _lastOutputTimestamp = timestamp;
        _lastOutputTime = now;
    }
}
