namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>A room member as the mode machine sees it: its id and whether its page allows peer-to-peer.</summary>
internal readonly record struct ModeMember(string Id, bool AllowP2p);

/// <summary>
/// The mode state of a room (see <see cref="RoomMode"/>): the members in join order, the pair trying or using
/// peer-to-peer (lower id first: it makes the offer, so there is no glare), which of the two reported
/// <c>p2p-connected</c>, whether P2P already failed for this membership, and whether a 3→2 return to P2P waits.
/// </summary>
internal sealed record RoomModeState(
    RoomMode Mode,
    IReadOnlyList<ModeMember> Members,
    string? PairLow = null,
    string? PairHigh = null,
    bool LowConnected = false,
    bool HighConnected = false,
    bool P2pFailedForMembership = false,
    bool BackToP2PPending = false)
{
    public static readonly RoomModeState Initial = new(RoomMode.Sfu, []);

    /// <summary>The other participant of the current pairing, or null (also in <see cref="RoomMode.Sfu"/>).</summary>
    public string? PeerOf(string participantId) =>
        Mode == RoomMode.Sfu ? null
        : participantId == PairLow ? PairHigh
        : participantId == PairHigh ? PairLow
        : null;
}

/// <summary>What happens to a room's mode: membership changes, the pair's reports, the room's one timer.</summary>
internal abstract record RoomModeEvent
{
    /// <summary>Someone joined or left; <paramref name="Members"/> is the new membership in join order.</summary>
    public sealed record MembershipChanged(IReadOnlyList<ModeMember> Members, int PreviousCount) : RoomModeEvent;

    public sealed record P2pConnected(string ParticipantId) : RoomModeEvent;

    public sealed record P2pFailed(string ParticipantId, string Reason) : RoomModeEvent;

    /// <summary>The timer last asked for by <see cref="RoomModeEffect.StartTimer"/> fired (stale timers never get here).</summary>
    public sealed record TimerFired : RoomModeEvent;
}

/// <summary>What the room does for a transition, in order.</summary>
internal abstract record RoomModeEffect
{
    public sealed record ModeChanged(RoomMode From, RoomMode To, string Why) : RoomModeEffect;

    /// <summary>Pause or resume what the server forwards to this participant (make before break).</summary>
    public sealed record SetForwarding(string ParticipantId, bool Enabled) : RoomModeEffect;

    /// <summary>The <c>mode</c> message to one participant.</summary>
    public sealed record SendMode(string ParticipantId, RoomMode Mode, string? Peer, bool? Initiator) : RoomModeEffect;

    public sealed record StartTimer(TimeSpan Due) : RoomModeEffect;

    public sealed record CancelTimer : RoomModeEffect;
}

/// <summary>Timing and policy of the mode machine (from <see cref="RoomSettings"/>).</summary>
internal readonly record struct RoomModePolicy(bool P2PEnabled, TimeSpan BackToP2PDelay, TimeSpan P2PConnectTimeout)
{
    public static RoomModePolicy From(RoomSettings settings) => new(settings.P2PEnabled, settings.BackToP2PDelay, settings.P2PConnectTimeout);
}

/// <summary>
/// The P2P / switching / SFU logic as a pure function: <c>(state, event) → (state, effects)</c>. No clock, no I/O:
/// <see cref="Room"/> feeds it events from its control loop and carries out the effects. Transitions are drawn on
/// <see cref="RoomMode"/>; the transition-table test covers every state × every event.
/// </summary>
internal static class RoomModeMachine
{
    public static (RoomModeState State, IReadOnlyList<RoomModeEffect> Effects) Apply(RoomModeState state, RoomModeEvent e, RoomModePolicy policy)
    {
        var effects = new List<RoomModeEffect>();
        var next = e switch
        {
            RoomModeEvent.MembershipChanged m => OnMembershipChanged(state with { Members = m.Members }, m.PreviousCount, policy, effects),
            RoomModeEvent.P2pConnected c => OnP2pConnected(state, c.ParticipantId, effects),
            RoomModeEvent.P2pFailed f => OnP2pFailed(state, f.ParticipantId, f.Reason, effects),
            RoomModeEvent.TimerFired => OnTimer(state, policy, effects),
            _ => throw new ArgumentOutOfRangeException(nameof(e)),
        };
        return (next, effects);
    }

    private static RoomModeState OnMembershipChanged(RoomModeState state, int previousCount, RoomModePolicy policy, List<RoomModeEffect> effects)
    {
        state = state with { P2pFailedForMembership = false };
        if (state.Mode != RoomMode.Sfu)
        {
            // Any change of membership ends the pairing: 2→3 or 2→1. The server path is already up.
            state = EnterSfu(state, "membership changed", effects);
        }

        effects.Add(new RoomModeEffect.CancelTimer());
        state = state with { BackToP2PPending = false };
        if (!IsP2pEligible(state, policy))
        {
            return state;
        }

        if (previousCount > 2)
        {
            // 3→2: hysteresis, so a reload or a short visit does not flap the room.
            effects.Add(new RoomModeEffect.StartTimer(policy.BackToP2PDelay));
            return state with { BackToP2PPending = true };
        }

        // 1→2: nobody receives through the server yet, so it forwards nothing (two-person rooms carry no media
        // through the server); the server connections still come up.
        return StartSwitching(state, keepServerPath: false, policy, effects);
    }

    private static RoomModeState OnP2pConnected(RoomModeState state, string sender, List<RoomModeEffect> effects)
    {
        if (state.Mode != RoomMode.Switching || state.PeerOf(sender) is null)
        {
            return state;
        }

        state = sender == state.PairLow ? state with { LowConnected = true } : state with { HighConnected = true };
        if (!(state.LowConnected && state.HighConnected))
        {
            return state;
        }

        effects.Add(new RoomModeEffect.CancelTimer());
        state = SetMode(state, RoomMode.PeerToPeer, "peer-to-peer connected", effects);
        foreach (var p in state.Members)
        {
            // Make before break: the server connection stays up, only forwarding pauses.
            effects.Add(new RoomModeEffect.SetForwarding(p.Id, false));
            effects.Add(new RoomModeEffect.SendMode(p.Id, RoomMode.PeerToPeer, state.PeerOf(p.Id), null));
        }

        return state;
    }

    private static RoomModeState OnP2pFailed(RoomModeState state, string sender, string reason, List<RoomModeEffect> effects) =>
        state.Mode == RoomMode.Sfu || state.PeerOf(sender) is null
            ? state
            : EnterSfu(state with { P2pFailedForMembership = true }, "peer-to-peer failed: " + reason, effects);

    private static RoomModeState OnTimer(RoomModeState state, RoomModePolicy policy, List<RoomModeEffect> effects)
    {
        if (state.Mode == RoomMode.Switching)
        {
            // P2P did not connect in time: stay on the server path, silently.
            return EnterSfu(state with { P2pFailedForMembership = true }, "peer-to-peer connect timeout", effects);
        }

        if (state.Mode == RoomMode.Sfu && state.BackToP2PPending)
        {
            state = state with { BackToP2PPending = false };
            if (IsP2pEligible(state, policy))
            {
                return StartSwitching(state, keepServerPath: true, policy, effects);
            }
        }

        return state;
    }

    private static bool IsP2pEligible(RoomModeState state, RoomModePolicy policy) =>
        policy.P2PEnabled && state.Members.Count == 2 && state.Members.All(p => p.AllowP2p) && !state.P2pFailedForMembership;

    /// <param name="keepServerPath">
    /// True when media already flows through the server (3→2): it keeps flowing until P2P is connected
    /// (make before break). False for a fresh pair: forwarding pauses at once.
    /// </param>
    private static RoomModeState StartSwitching(RoomModeState state, bool keepServerPath, RoomModePolicy policy, List<RoomModeEffect> effects)
    {
        var (a, b) = (state.Members[0].Id, state.Members[1].Id);
        var (low, high) = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        state = state with { PairLow = low, PairHigh = high, LowConnected = false, HighConnected = false };
        state = SetMode(state, RoomMode.Switching, "two participants, peer-to-peer allowed", effects);
        if (!keepServerPath)
        {
            effects.Add(new RoomModeEffect.SetForwarding(low, false));
            effects.Add(new RoomModeEffect.SetForwarding(high, false));
        }

        effects.Add(new RoomModeEffect.StartTimer(policy.P2PConnectTimeout));

        // The lower id is the initiator: exactly one side offers, so there is no glare.
        effects.Add(new RoomModeEffect.SendMode(low, RoomMode.Switching, high, true));
        effects.Add(new RoomModeEffect.SendMode(high, RoomMode.Switching, low, false));
        return state;
    }

    private static RoomModeState EnterSfu(RoomModeState state, string why, List<RoomModeEffect> effects)
    {
        effects.Add(new RoomModeEffect.CancelTimer());
        state = SetMode(state, RoomMode.Sfu, why, effects) with { PairLow = null, PairHigh = null };
        foreach (var p in state.Members)
        {
            effects.Add(new RoomModeEffect.SetForwarding(p.Id, true));
            effects.Add(new RoomModeEffect.SendMode(p.Id, RoomMode.Sfu, null, null));
        }

        return state;
    }

    private static RoomModeState SetMode(RoomModeState state, RoomMode mode, string why, List<RoomModeEffect> effects)
    {
        if (mode != state.Mode)
        {
            effects.Add(new RoomModeEffect.ModeChanged(state.Mode, mode, why));
        }

        return state with { Mode = mode };
    }
}
