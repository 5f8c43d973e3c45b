namespace DigitalWeRoom.Sfu.Media.Speech;

/// <summary>
/// The room's dominant speaker detection (<see cref="DominantSpeakerDetector"/>) and its current result, which the
/// bandwidth allocation reads to serve that publisher's video right after audio. Evaluated on the media timer; room
/// control adds and removes speakers under <see cref="With{T}"/>.
/// </summary>
public sealed class RoomSpeakers
{
    private readonly object _gate = new();

    /// <summary>
    /// Detection over the audio producers whose <c>Producer.Speaker</c> is set (room control:
    /// <c>producer.Speaker = speakers.With(d => d.AddSpeaker(participantId))</c>). Its OnDominantSpeakerChanged runs on
    /// the media timer.
    /// </summary>
    public DominantSpeakerDetector Detector { get; } = new();

    /// <summary>Participant (transport id) whose video the bandwidth allocation serves right after audio.</summary>
    public string? ActiveSpeakerTransportId
    {
        get => Volatile.Read(ref _active);
        set => Volatile.Write(ref _active, value);
    }

    private string? _active;

    /// <summary>Runs <paramref name="action"/> serialized with the detector's evaluation (for Add/RemoveSpeaker).</summary>
    public T With<T>(Func<DominantSpeakerDetector, T> action)
    {
        lock (_gate) return action(Detector);
    }

    /// <summary>Media timer: one detection step.</summary>
    internal void Evaluate()
    {
        lock (_gate)
        {
            Detector.Evaluate();
            // Speaker ids are the participants' transport ids: the allocator serves that publisher's video first.
            ActiveSpeakerTransportId = Detector.DominantSpeaker;
        }
    }
}
