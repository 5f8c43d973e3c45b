namespace DigitalWeRoom.Sfu.Media.Speech;

/// <summary>
/// Dominant speaker detection with hysteresis, from RFC 6464 audio levels. Every bin (100 ms) each speaker's mean
/// loudness is pushed into a sliding window (default 1.5 s); a speaker's score is the window mean. The best-scoring
/// speaker takes over only when (a) its score is at least <see cref="DominantSpeakerOptions.MinimumScore"/> (it
/// spoke for a good part of the window), (b) it beats the current dominant speaker by
/// <see cref="DominantSpeakerOptions.TakeoverRatio"/>, and (c) it stays the best for
/// <see cref="DominantSpeakerOptions.TakeoverTime"/> (≥ 1 s) in a row. A 200 ms cough fails (a) and (c).
/// <see cref="Evaluate"/> runs on one timer (the room loop); speakers are added/removed there too.
/// </summary>
public sealed class DominantSpeakerDetector
{
    public const int BinMilliseconds = 100;

    private readonly DominantSpeakerOptions _options;
    private readonly int _windowBins;
    private readonly int _takeoverBins;
    private readonly List<string> _history = [];
    private SpeakerActivity[] _speakers = [];
    private SpeakerActivity? _candidate;
    private int _candidateBins;

    public DominantSpeakerDetector(DominantSpeakerOptions? options = null)
    {
        _options = options ?? new DominantSpeakerOptions();
        _windowBins = Math.Max(1, (int)(_options.Window.TotalMilliseconds / BinMilliseconds));
        _takeoverBins = Math.Max(1, (int)(_options.TakeoverTime.TotalMilliseconds / BinMilliseconds));
    }

    /// <summary>Told on the evaluating thread of each new dominant speaker (null: the dominant one left).</summary>
    public IDominantSpeakerListener? Listener { get; set; }

    public string? DominantSpeaker { get; private set; }

    /// <summary>Past dominant speakers, most recent first, each once (bounded by <see cref="DominantSpeakerOptions.HistoryLength"/>).</summary>
    public IReadOnlyList<string> History => _history;

    public SpeakerActivity AddSpeaker(string id)
    {
        var speaker = new SpeakerActivity(id, _windowBins);
        _speakers = [.. _speakers, speaker];
        return speaker;
    }

    public void RemoveSpeaker(SpeakerActivity speaker)
    {
        _speakers = Array.FindAll(_speakers, s => s != speaker);
        _history.Remove(speaker.Id);
        if (_candidate == speaker)
        {
            _candidate = null;
            _candidateBins = 0;
        }
        if (DominantSpeaker == speaker.Id)
        {
            DominantSpeaker = null;
            Listener?.OnDominantSpeakerChanged(null);
        }
    }

    /// <summary>Close one bin for every speaker and decide. Call every <see cref="BinMilliseconds"/> ms.</summary>
    public void Evaluate()
    {
        var speakers = _speakers;
        SpeakerActivity? best = null;
        SpeakerActivity? dominant = null;
        foreach (var speaker in speakers)
        {
            speaker.CloseBin();
            if (best is null || speaker.Score > best.Score) best = speaker;
            if (speaker.Id == DominantSpeaker) dominant = speaker;
        }
        if (best is null || best == dominant || best.Score < _options.MinimumScore
            || (dominant is not null && best.Score < dominant.Score * _options.TakeoverRatio))
        {
            _candidate = null;
            _candidateBins = 0;
            return;
        }
        if (best != _candidate)
        {
            _candidate = best;
            _candidateBins = 0;
        }
        if (++_candidateBins < _takeoverBins) return;

        _candidate = null;
        _candidateBins = 0;
        DominantSpeaker = best.Id;
        _history.Remove(best.Id);
        _history.Insert(0, best.Id);
        if (_history.Count > _options.HistoryLength) _history.RemoveAt(_history.Count - 1);
        Listener?.OnDominantSpeakerChanged(best.Id);
    }
}

public sealed record DominantSpeakerOptions
{
    /// <summary>Sliding window the score is averaged over.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long a challenger must be the best, continuously, to take over.</summary>
    public TimeSpan TakeoverTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A challenger's score must be this many times the current dominant speaker's.</summary>
    public double TakeoverRatio { get; init; } = 1.5;

    /// <summary>Minimum window-mean loudness (0..70) to become dominant: ≈ 40 % of the window at -40 dBov.</summary>
    public double MinimumScore { get; init; } = 12;

    public int HistoryLength { get; init; } = 64;
}

/// <summary>What a <see cref="DominantSpeakerDetector"/> tells its owner (on the evaluating thread, inside its lock).</summary>
public interface IDominantSpeakerListener
{
    /// <param name="participantId">The new dominant speaker; null when the dominant one left.</param>
    void OnDominantSpeakerChanged(string? participantId);
}
