namespace DigitalWeRoom.Sfu.LoadTest.Scenarios;

internal enum ScenarioKind
{
    Meeting,
    Broadcast,
    Rooms,
    Churn,

    /// <summary>LiveKit's "1 publisher → N subscribers" shape: one simulcast camera (q/h/f) shown in small tiles.</summary>
    Livestream,

    /// <summary>LiveKit's "N publishers, N subscribers" shape: everyone publishes simulcast, shows the speaker on f and 8 on q, hears all.</summary>
    LargeMeeting,

    /// <summary>LiveKit's audio-only shape: 10 microphones → N listeners.</summary>
    Audio,

    /// <summary>A meeting runs in room 0 while a storm of subscribers joins a broadcast in room 1 (a mass reconnect).</summary>
    JoinStorm,
}

/// <summary>One synthetic participant of a plan: where, when, and what it sends and receives.</summary>
/// <param name="Index">Unique in the plan.</param>
/// <param name="PublisherIndex">Its index among publishers (written in its payload stamps), or -1 if it only subscribes.</param>
/// <param name="LeaveAt">Null: stays to the end of the run.</param>
/// <param name="Sink">
/// A subscriber that joins exactly like the others (signaling, ICE, DTLS, consent, RTCP receiver reports, tile sizes)
/// and then leaves its media socket unread with a minimal receive buffer, so the kernel drops what the server sends
/// it: the server does the full work for it, the load generator almost none. Loss and latency come from the others
/// (probes). See <see cref="ScenarioPlan.WithProbes"/>.
/// </param>
internal sealed record PlannedParticipant(int Index, int Room, int PublisherIndex, bool Subscribes, TimeSpan JoinAt, TimeSpan? LeaveAt, bool Sink = false)
{
    /// <summary>A subscriber that receives, decrypts and measures everything.</summary>
    public bool Probe => Subscribes && !Sink;

    public bool Publishes => PublisherIndex >= 0;

    public string Name => $"p{Index}";

    /// <summary>Whether this participant is in the room at <paramref name="time"/>.</summary>
    public bool PresentAt(TimeSpan time) => time >= JoinAt && (LeaveAt is null || time < LeaveAt);
}

/// <summary>
/// A bounded, deterministic list of participants for one scenario. Every plan has at most
/// <see cref="MaxParticipants"/> participants and lasts at most <see cref="MaxDuration"/>, so a run always stops by itself.
/// </summary>
internal sealed class ScenarioPlan
{
    public const int MaxParticipants = 5000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromMinutes(30);

    private ScenarioPlan(ScenarioKind kind, int rooms, TimeSpan duration, IReadOnlyList<PlannedParticipant> participants)
    {
        Kind = kind;
        RoomCount = rooms;
        Duration = duration;
        Participants = participants;
    }

    public ScenarioKind Kind { get; }

    public int RoomCount { get; }

    public TimeSpan Duration { get; }

    public IReadOnlyList<PlannedParticipant> Participants { get; }

    public int PublisherCount => Participants.Count(p => p.Publishes);

    public int SinkCount => Participants.Count(p => p.Sink);

    public int ProbeCount => Participants.Count(p => p.Probe);

    /// <summary>
    /// The same plan with only the first <paramref name="probes"/> subscribers (in join order) measuring and every
    /// other subscriber a <see cref="PlannedParticipant.Sink"/>. A sink that also publishes (a meeting) keeps sending, but
    /// the server's RTCP for its own streams is dropped with the rest: PLI/FIR and NACK go unanswered (its key frames come
    /// every <see cref="Media.MediaProfile.KeyFrameInterval"/>, the server's key-frame cache serves new subscribers) and its
    /// simulcast layers keep their MID/rid extensions. Publish-only participants always read.
    /// </summary>
    public ScenarioPlan WithProbes(int probes)
    {
        if (probes < 0) throw new ArgumentException("--probes must be 0 or more");
        int kept = 0;
        var list = Participants.Select(p =>
        {
            bool sink = p.Subscribes && kept++ >= probes;
            return p with { Sink = sink };
        }).ToList();
        return new ScenarioPlan(Kind, RoomCount, Duration, list);
    }

    /// <summary>Publishers whose media <paramref name="subscriber"/> should receive: same room, not itself, overlapping in time.</summary>
    public IEnumerable<PlannedParticipant> PublishersFor(PlannedParticipant subscriber) =>
        Participants.Where(p => p.Publishes && p.Room == subscriber.Room && p.Index != subscriber.Index && Overlap(p, subscriber, Duration));

    /// <summary>
    /// When loss and latency start to count, where that is earlier than the usual window (steady participants joined
    /// plus the warm-up); null: the usual window. A join storm's storm subscribers are steady joiners, so the usual window
    /// would open after the storm: the running room's loss is counted from the storm's first planned join instead.
    /// </summary>
    public TimeSpan? LossWindowFrom => Kind == ScenarioKind.JoinStorm ? Participants.Where(p => p.Room == 1).Min(p => p.JoinAt) : null;

    /// <summary>Forwarded streams expected in steady state (each publisher's streams × its subscribers), for sizing.</summary>
    public int SteadyStateFanout => Participants.Where(p => p.Subscribes && p.LeaveAt is null).Sum(s => PublishersFor(s).Count(p => p.LeaveAt is null));

    public static ScenarioPlan Meeting(int participants, TimeSpan duration, TimeSpan joinSpacing = default) =>
        Build(1, participants, duration, joinSpacing, ScenarioKind.Meeting);

    public static ScenarioPlan Rooms(int rooms, int perRoom, TimeSpan duration, TimeSpan joinSpacing = default) =>
        Build(rooms, perRoom, duration, joinSpacing, ScenarioKind.Rooms);

    /// <summary>P publishers that do not subscribe, then S subscribers to all of them, all in room 0.</summary>
    public static ScenarioPlan Broadcast(int publishers, int subscribers, TimeSpan duration, TimeSpan joinSpacing = default)
    {
        Check(publishers + subscribers, duration);
        if (publishers < 1 || subscribers < 1) throw new ArgumentException("broadcast needs at least one publisher and one subscriber");
        var list = new List<PlannedParticipant>(publishers + subscribers);
        for (int i = 0; i < publishers; i++)
        {
            list.Add(new PlannedParticipant(i, 0, i, Subscribes: false, joinSpacing * i, null));
        }
        for (int i = 0; i < subscribers; i++)
        {
            int index = publishers + i;
            list.Add(new PlannedParticipant(index, 0, -1, Subscribes: true, joinSpacing * index, null));
        }
        return new ScenarioPlan(ScenarioKind.Broadcast, 1, duration, list);
    }

    /// <summary>One publisher (simulcast, see <see cref="CapacityScenarios"/>) → <paramref name="subscribers"/>, all in room 0.</summary>
    public static ScenarioPlan Livestream(int subscribers, TimeSpan duration, TimeSpan joinSpacing = default) =>
        Broadcast(1, subscribers, duration, joinSpacing).As(ScenarioKind.Livestream);

    /// <summary><paramref name="participants"/> who all publish and subscribe (tiles and last-N: <see cref="CapacityScenarios"/>).</summary>
    public static ScenarioPlan LargeMeeting(int participants, TimeSpan duration, TimeSpan joinSpacing = default) =>
        Meeting(participants, duration, joinSpacing).As(ScenarioKind.LargeMeeting);

    /// <summary><paramref name="publishers"/> microphones (no camera, see <see cref="CapacityScenarios"/>) → <paramref name="subscribers"/>.</summary>
    public static ScenarioPlan Audio(int publishers, int subscribers, TimeSpan duration, TimeSpan joinSpacing = default) =>
        Broadcast(publishers, subscribers, duration, joinSpacing).As(ScenarioKind.Audio);

    /// <summary>
    /// A running meeting of <paramref name="running"/> in room 0 (joined at once), then from <paramref name="stormAt"/> one
    /// publisher and <paramref name="storm"/> subscribers join room 1, evenly over <paramref name="stormSpan"/>: the
    /// meeting's loss (per room in the result) shows whether a join storm disturbs rooms already running.
    /// </summary>
    public static ScenarioPlan JoinStorm(int running, int storm, TimeSpan stormAt, TimeSpan stormSpan, TimeSpan duration)
    {
        if (running < 2 || storm < 1) throw new ArgumentException("a join storm needs a meeting of 2 or more and at least 1 joining subscriber");
        if (stormAt < TimeSpan.Zero || stormSpan < TimeSpan.Zero || stormAt + stormSpan >= duration) throw new ArgumentException("the storm must start and end within the run");
        Check(running + 1 + storm, duration);
        var list = new List<PlannedParticipant>(running + 1 + storm);
        for (int i = 0; i < running; i++) list.Add(new PlannedParticipant(i, 0, i, Subscribes: true, TimeSpan.Zero, null));
        list.Add(new PlannedParticipant(running, 1, running, Subscribes: false, stormAt, null));
        for (int i = 0; i < storm; i++)
        {
            list.Add(new PlannedParticipant(running + 1 + i, 1, -1, Subscribes: true, stormAt + (stormSpan * i / storm), null));
        }
        return new ScenarioPlan(ScenarioKind.JoinStorm, 2, duration, list);
    }

    private ScenarioPlan As(ScenarioKind kind) => new(kind, RoomCount, Duration, Participants);

    /// <summary>
    /// <paramref name="slots"/> seats in one room; each seat's occupant stays <paramref name="lifetime"/> then leaves
    /// and a new participant takes the seat. Seats are staggered so joins and leaves happen continuously, and the room
    /// size crosses 2↔3 (the P2P/SFU threshold on our server) as seats empty and refill.
    /// </summary>
    public static ScenarioPlan Churn(int slots, TimeSpan lifetime, TimeSpan duration, int maxParticipants = MaxParticipants)
    {
        if (slots < 2) throw new ArgumentException("churn needs at least 2 seats");
        if (lifetime <= TimeSpan.Zero) throw new ArgumentException("lifetime must be positive");
        Check(slots, duration);
        var gap = TimeSpan.FromMilliseconds(Math.Min(500, lifetime.TotalMilliseconds / 4));
        var list = new List<PlannedParticipant>();
        for (int seat = 0; seat < slots; seat++)
        {
            var start = lifetime * seat / slots;
            for (var t = start; t < duration && list.Count < maxParticipants; t += lifetime + gap)
            {
                var leave = t + lifetime;
                list.Add(new PlannedParticipant(list.Count, 0, list.Count, Subscribes: true, t, leave < duration ? leave : null));
            }
        }
        var ordered = list.OrderBy(p => p.JoinAt).ThenBy(p => p.Index).ToList();
        // Renumber in join order so publisher indices grow with time.
        var renumbered = ordered.Select((p, i) => p with { Index = i, PublisherIndex = i }).ToList();
        Check(renumbered.Count, duration);
        return new ScenarioPlan(ScenarioKind.Churn, 1, duration, renumbered);
    }

    private static ScenarioPlan Build(int rooms, int perRoom, TimeSpan duration, TimeSpan joinSpacing, ScenarioKind kind)
    {
        if (rooms < 1 || perRoom < 2) throw new ArgumentException("a room needs at least 2 participants");
        Check(rooms * perRoom, duration);
        var list = new List<PlannedParticipant>(rooms * perRoom);
        for (int r = 0; r < rooms; r++)
        {
            for (int i = 0; i < perRoom; i++)
            {
                int index = list.Count;
                list.Add(new PlannedParticipant(index, r, index, Subscribes: true, joinSpacing * index, null));
            }
        }
        return new ScenarioPlan(kind, rooms, duration, list);
    }

    private static void Check(int participants, TimeSpan duration)
    {
        if (participants < 1 || participants > MaxParticipants)
        {
            throw new ArgumentException($"participants must be 1..{MaxParticipants} (got {participants})");
        }
        if (duration <= TimeSpan.Zero || duration > MaxDuration)
        {
            throw new ArgumentException($"duration must be positive and at most {MaxDuration.TotalMinutes} min (got {duration})");
        }
    }

    private static bool Overlap(PlannedParticipant a, PlannedParticipant b, TimeSpan end)
    {
        var aEnd = a.LeaveAt ?? end;
        var bEnd = b.LeaveAt ?? end;
        return a.JoinAt < bEnd && b.JoinAt < aEnd;
    }
}
