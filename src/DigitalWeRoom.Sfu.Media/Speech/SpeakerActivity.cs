namespace DigitalWeRoom.Sfu.Media.Speech;

/// <summary>
/// Audio-level accumulator of one audio producer (RFC 6464 ssrc-audio-level). The publisher's receive loop calls
/// <see cref="OnAudioLevel"/> per packet (no allocation, two interlocked adds); the detector's timer takes the
/// current bin every <see cref="DominantSpeakerDetector.BinMilliseconds"/> and keeps a sliding window of bins.
/// </summary>
public sealed class SpeakerActivity
{
    /// <summary>Levels at or below this many -dBov count as silence (RFC 6464 level 127 = -127 dBov, digital silence).</summary>
    public const int SilenceLevel = 70;

    private readonly int[] _window;
    private long _binLoudness;
    private long _binPackets;
    private int _windowPosition;
    private int _windowSum;

    internal SpeakerActivity(string id, int windowBins)
    {
        Id = id;
        _window = new int[windowBins];
    }

    public string Id { get; }

    /// <summary>Mean loudness over the window, 0 (silent) .. <see cref="SilenceLevel"/> (0 dBov the whole time).</summary>
    public double Score => (double)_windowSum / _window.Length;

    /// <summary>Receive loop. <paramref name="level"/> is the RFC 6464 level (0 = loudest, 127 = silence).</summary>
    public void OnAudioLevel(byte level, bool voiceActivity)
    {
        int loudness = Math.Max(0, SilenceLevel - Math.Min((int)level, 127));
        if (!voiceActivity) loudness /= 2;
        Interlocked.Add(ref _binLoudness, loudness);
        Interlocked.Increment(ref _binPackets);
    }

    /// <summary>Detector timer: close the current bin (its mean loudness) and slide the window.</summary>
    internal void CloseBin()
    {
        long loudness = Interlocked.Exchange(ref _binLoudness, 0);
        long packets = Interlocked.Exchange(ref _binPackets, 0);
        int mean = packets == 0 ? 0 : (int)(loudness / packets);
        _windowSum += mean - _window[_windowPosition];
        _window[_windowPosition] = mean;
        _windowPosition = (_windowPosition + 1) % _window.Length;
    }
}
