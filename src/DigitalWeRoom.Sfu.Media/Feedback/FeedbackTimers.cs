using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Speech;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// The router's periodic work, one timer each: SR/RR reports (each transport's send loop builds its own compound),
/// throttled key-frame requests that are now due, and the 100 ms media tick (speaker detection,
/// transport-cc feedback to publishers, REMB once a second). Reads the router's copy-on-write registry; sends through
/// <see cref="PublisherFeedback"/> and the transports' <see cref="TransportSender"/>s. NACK retries are not periodic:
/// <see cref="PublisherFeedback"/> arms their timer only while a gap is open.
/// </summary>
internal sealed class FeedbackTimers : IDisposable
{
    /// <summary>Transport-cc feedback period toward publishers and the speaker detector's bin.</summary>
    public static readonly TimeSpan MediaTickInterval = TimeSpan.FromMilliseconds(DominantSpeakerDetector.BinMilliseconds);

    /// <summary>REMB toward publishers without transport-cc: once a second (10 media ticks).</summary>
    private const int RembTicks = 10;

    private readonly Router _registry;
    private readonly PublisherFeedback _publishers;
    private readonly RoomSpeakers _speakers;
    private readonly bool _remb;
    private readonly ITimer? _reportTimer;
    private readonly ITimer? _keyFrameTimer;
    private readonly ITimer _mediaTimer;
    private long _mediaTicks;

    internal FeedbackTimers(Router registry, PublisherFeedback publishers, RoomSpeakers speakers, RouterOptions options, TimeProvider time)
    {
        _registry = registry;
        _publishers = publishers;
        _speakers = speakers;
        // REMB goes with the periodic RTCP reports: none when those are off (tests that drive the router by hand).
        _remb = options.RtcpReportInterval > TimeSpan.Zero;
        if (options.RtcpReportInterval > TimeSpan.Zero)
        {
            _reportTimer = time.CreateTimer(static s => ((FeedbackTimers)s!).SendReports(), this, options.RtcpReportInterval, options.RtcpReportInterval);
        }
        if (options.KeyFrameRequestMinInterval > TimeSpan.Zero)
        {
            _keyFrameTimer = time.CreateTimer(static s => ((FeedbackTimers)s!).FlushKeyFrameRequests(), this, options.KeyFrameRequestMinInterval, options.KeyFrameRequestMinInterval);
        }
        _mediaTimer = time.CreateTimer(static s => ((FeedbackTimers)s!).OnMediaTick(), this, MediaTickInterval, MediaTickInterval);
    }

    /// <summary>Report timer: each transport's send loop builds and sends its SR/RR compound.</summary>
    private void SendReports()
    {
        foreach (var transport in _registry.Transports)
        {
            transport.Outbound.TryEnqueue(OutboundItem.ReportTick());
        }
    }

    private void FlushKeyFrameRequests() => _publishers.FlushPendingKeyFrameRequests(_registry.Producers);

    private void OnMediaTick()
    {
        _speakers.Evaluate();
        _publishers.SendTransportWideFeedback(_registry.Transports);
        if (_remb && ++_mediaTicks % RembTicks == 0) _publishers.SendRembs(_registry.Transports);
    }

    public void Dispose()
    {
        _reportTimer?.Dispose();
        _keyFrameTimer?.Dispose();
        _mediaTimer.Dispose();
    }
}
