using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

/// <summary>
/// A sender pacing 1,200-byte packets at the estimator's rate over a bottleneck link (capacity, fixed base delay,
/// random loss with a fixed seed), with transport-cc feedback built by <see cref="TransportWideFeedback.Write"/>
/// every 100 ms and parsed back, as a subscriber would send it.
/// </summary>
internal sealed class LinkSimulator(SendSideBandwidthEstimator estimator, int seed = 1)
{
    private const int PacketSize = 1200;
    private readonly Random _random = new(seed);
    private readonly List<TwccArrival> _pending = [];
    private readonly byte[] _rtcp = new byte[4096];
    private long _now;
    private long _linkFreeAt;
    private long _nextFeedback = 100_000;
    private ushort _sequence;
    private byte _feedbackCount;

    public double CapacityBps { get; set; } = 100_000_000;

    public long BaseDelayMicros { get; set; } = 20_000;

    public double Loss { get; set; }

    public long NowMicros => _now;

    /// <summary>Called after each feedback the estimator processed (to watch its per-feedback state).</summary>
    public Action? AfterFeedback { get; set; }

    /// <summary>Runs for <paramref name="micros"/>; the sender sends at the current estimate.</summary>
    public void Run(long micros)
    {
        long end = _now + micros;
        while (_now < end)
        {
            ushort seq = _sequence++;
            estimator.OnPacketSent(seq, _now, PacketSize);
            if (_random.NextDouble() >= Loss)
            {
                long serialization = (long)(PacketSize * 8 * 1_000_000.0 / CapacityBps);
                long start = Math.Max(_now, _linkFreeAt);
                _linkFreeAt = start + serialization;
                _pending.Add(new TwccArrival(seq, _linkFreeAt + BaseDelayMicros));
            }
            long interval = (long)(PacketSize * 8 * 1_000_000.0 / estimator.Estimate);
            _now += Math.Max(interval, 50);
            while (_now >= _nextFeedback)
            {
                SendFeedback(_nextFeedback);
                _nextFeedback += 100_000;
            }
        }
    }

    private void SendFeedback(long at) => DeliverFeedback(estimator, _pending, at, _rtcp, ref _feedbackCount, AfterFeedback);

    /// <summary>Reports to <paramref name="estimator"/> what of <paramref name="pending"/> (in arrival order) has arrived by <paramref name="at"/>, as transport-cc feedback written and parsed back.</summary>
    internal static void DeliverFeedback(SendSideBandwidthEstimator estimator, List<TwccArrival> pending, long at, byte[] rtcp, ref byte feedbackCount, Action? afterFeedback = null)
    {
        int ready = 0;
        while (ready < pending.Count && pending[ready].ArrivalTimeMicros <= at) ready++;
        if (ready == 0) return;
        var arrivals = pending.GetRange(0, ready).ToArray();
        int offset = 0;
        while (offset < arrivals.Length)
        {
            int length = TransportWideFeedback.Write(rtcp, 1, 2, feedbackCount++, arrivals.AsSpan(offset), out int included);
            Assert.True(length > 0 && included > 0);
            Assert.True(TransportWideFeedback.TryParse(rtcp.AsSpan(0, length), out var feedback, out _));
            estimator.OnTransportFeedback(feedback, at);
            afterFeedback?.Invoke();
            offset += included;
        }
        pending.RemoveRange(0, ready);
    }
}
