using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Transport-cc feedback toward a publisher (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3): the
/// publisher's receive loop records (transport-wide sequence, arrival time) per packet into a bounded buffer; every
/// ~100 ms the router's timer builds RTPFB FMT 15 packets from them (sorted by sequence, duplicates dropped) so the
/// browser's own send-side estimator sees its upload path. Lock-protected (receive loop vs timer). The buffers are
/// allocated at the first arrival, once: every transport that negotiates the extension has a recorder, but only a
/// publisher's packets carry the sequence, so a listener never pays the 2 × 32 KB (issue 16 item 4: it was half of
/// an idle subscriber's managed memory). No allocation after that.
/// </summary>
public sealed class TransportWideCcRecorder
{
    public const int Capacity = 2048;

    private readonly object _gate = new();
    private TwccArrival[] _arrivals = [];
    private TwccArrival[] _sorted = [];
    private int _count;
    private byte _feedbackCount;
    private long _overflowed;

    public long Overflowed => Volatile.Read(ref _overflowed);

    public int Pending
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>Whether the buffers exist (an arrival was recorded).</summary>
    public bool Allocated
    {
        get
        {
            lock (_gate) return _arrivals.Length != 0;
        }
    }

    /// <summary>Receive loop.</summary>
    public void Record(ushort sequence, long arrivalMicros)
    {
        lock (_gate)
        {
            if (_arrivals.Length == 0)
            {
                _arrivals = new TwccArrival[Capacity];
                _sorted = new TwccArrival[Capacity];
            }
            if (_count == Capacity)
            {
                _overflowed++;
                return;
            }
            _arrivals[_count++] = new TwccArrival(sequence, arrivalMicros);
        }
    }

    /// <summary>
    /// Timer: takes what was recorded and writes one feedback packet into <paramref name="destination"/>; arrivals
    /// that did not fit stay for the next call. Returns the length (0: nothing to send).
    /// </summary>
    public int WriteFeedback(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
    {
        lock (_gate)
        {
            if (_count == 0) return 0;
            int n = _count;
            _arrivals.AsSpan(0, n).CopyTo(_sorted);
            // Insertion sort in RFC 1982 order relative to the first (arrivals are nearly in order already).
            ushort reference = _sorted[0].SequenceNumber;
            for (int a = 1; a < n; a++)
            {
                var current = _sorted[a];
                int key = (short)(current.SequenceNumber - reference);
                int b = a - 1;
                while (b >= 0 && (short)(_sorted[b].SequenceNumber - reference) > key)
                {
                    _sorted[b + 1] = _sorted[b];
                    b--;
                }
                _sorted[b + 1] = current;
            }
            int unique = 0;
            for (int i = 0; i < n; i++)
            {
                if (unique > 0 && _sorted[unique - 1].SequenceNumber == _sorted[i].SequenceNumber) continue;
                _sorted[unique++] = _sorted[i];
            }
            int length = TransportWideFeedback.Write(destination, senderSsrc, mediaSsrc, _feedbackCount, _sorted.AsSpan(0, unique), out int included);
            if (included == 0)
            {
                _count = 0; // unusable (e.g. a huge time jump): start over rather than stall
                return 0;
            }
            _feedbackCount++;
            int left = unique - included;
            _sorted.AsSpan(included, left).CopyTo(_arrivals);
            _count = left;
            return length;
        }
    }
}
