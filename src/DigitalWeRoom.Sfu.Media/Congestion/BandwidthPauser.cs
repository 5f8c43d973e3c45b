namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Pauses and resumes a subscriber's videos for bandwidth (issue #4), after the <see cref="LayerAllocator"/> has
/// run. A wanted video the allocation could not give even its lowest layer is paused: nothing of it is sent, so
/// the videos that fit (and all audio, never paused) decode smoothly instead of every stream losing packets. A
/// paused video comes back one at a time, highest priority first, at its lowest layer, and only after
/// <see cref="BandwidthPauserOptions.MinPause"/> and <see cref="BandwidthPauserOptions.ResumeInterval"/> since the
/// last resume: under a capped budget when the allocator fits it with <see cref="LayerAllocator.ResumeMargin"/>;
/// under an unlimited budget (the <see cref="CongestionGate"/> released the cap) as a probe with real media, while
/// the videos already flowing are held at their current layers until nothing is paused any more and the last resume
/// is one interval old, so a probe adds one lowest layer to the link rather than every top layer at once. Pure (times in microseconds); the owner
/// serializes calls.
/// </summary>
public sealed class BandwidthPauser(BandwidthPauserOptions options)
{
    private long _lastResume = long.MinValue;

    public BandwidthPauser()
        : this(new BandwidthPauserOptions())
    {
    }

    public BandwidthPauserOptions Options { get; } = options;

    /// <summary>Videos paused so far (transitions into the paused state).</summary>
    public long Pauses { get; private set; }

    /// <summary>Videos resumed so far.</summary>
    public long Resumes { get; private set; }

    /// <summary>
    /// Applies pause/resume to one allocation. In: <paramref name="tracks"/> (their <c>IsBandwidthPaused</c> is the
    /// current state), <paramref name="layers"/> and <paramref name="order"/> as <see cref="LayerAllocator.Allocate(double, ReadOnlySpan{TrackDemand}, Span{int}, Span{int}, out int)"/>
    /// left them, <paramref name="currentLayers"/> the caps now in force (int.MaxValue: none), <paramref name="pausedSince"/>
    /// when each paused track was paused. Out: <paramref name="paused"/> per track, <paramref name="layers"/> adjusted
    /// (-1 for paused videos), <paramref name="pausedSince"/> updated. Returns true when any pause state changed.
    /// </summary>
    public bool Apply(
        double budgetBps,
        ReadOnlySpan<TrackDemand> tracks,
        Span<int> layers,
        ReadOnlySpan<int> order,
        ReadOnlySpan<int> currentLayers,
        Span<bool> paused,
        Span<long> pausedSince,
        long now)
    {
        bool changed = false;
        bool limited = double.IsFinite(budgetBps);
        bool resumeDue = _lastResume == long.MinValue || now - _lastResume >= (long)Options.ResumeInterval.TotalMicroseconds;
        for (int i = 0; i < tracks.Length; i++)
        {
            var t = tracks[i];
            paused[i] = false;
            if (t.IsAudio)
            {
                continue;
            }
            if (t.MaxLayer < 0)
            {
                // Not wanted (hidden tile, last-N): not a bandwidth pause any more.
                changed |= t.IsBandwidthPaused;
                continue;
            }
            if (!t.IsBandwidthPaused && layers[i] < 0 && limited)
            {
                paused[i] = true;
                pausedSince[i] = now;
                Pauses++;
                changed = true;
            }
            else if (t.IsBandwidthPaused)
            {
                paused[i] = true;
            }
        }

        // At most one resume per call and per interval, in priority order.
        int stillPaused = 0;
        foreach (int i in order)
        {
            if (!paused[i] || !tracks[i].IsBandwidthPaused) continue;
            bool fits = !limited || layers[i] >= 0;
            if (resumeDue && fits && now - pausedSince[i] >= (long)Options.MinPause.TotalMicroseconds)
            {
                paused[i] = false;
                layers[i] = 0;
                _lastResume = now;
                resumeDue = false;
                Resumes++;
                changed = true;
                continue;
            }
            stillPaused++;
        }

        // A probe (a resume) gets the link to itself for one interval, and so does the time while others wait.
        bool hold = !limited && (stillPaused > 0 || (_lastResume != long.MinValue && now - _lastResume < (long)Options.ResumeInterval.TotalMicroseconds));
        for (int i = 0; i < tracks.Length; i++)
        {
            if (tracks[i].IsAudio) continue;
            if (paused[i])
            {
                layers[i] = -1;
            }
            else if (hold && layers[i] >= 0)
            {
                // Probing with one resumed lowest layer at a time: the flowing videos do not go up meanwhile.
                layers[i] = Math.Min(layers[i], currentLayers[i]);
            }
        }
        return changed;
    }
}

/// <summary>Timing of <see cref="BandwidthPauser"/>.</summary>
public sealed record BandwidthPauserOptions
{
    /// <summary>A paused video stays paused at least this long.</summary>
    public TimeSpan MinPause { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>At most one video of a subscriber is resumed per interval.</summary>
    public TimeSpan ResumeInterval { get; init; } = TimeSpan.FromSeconds(3);
}
