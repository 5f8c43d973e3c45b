using Effect = DigitalWeRoom.Sfu.Rooms.RoomModeEffect;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>
/// The transition table of <see cref="RoomModeMachine"/>: every state × every event, the next mode spelled out per
/// cell, and the effects that must go with any transition checked on every cell.
/// </summary>
public sealed class RoomModeMachineTests
{
    private const string A = "a1", B = "b2", C = "c3"; // A < B (ordinal): A is the pair's initiator
    private static readonly ModeMember MA = new(A, true), MB = new(B, true), MC = new(C, true);
    private static readonly RoomModePolicy Policy = new(true, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

    private static readonly Dictionary<string, RoomModeState> States = new()
    {
        ["Sfu1"] = new(RoomMode.Sfu, [MA]),
        ["Sfu2"] = new(RoomMode.Sfu, [MA, MB]),
        ["Sfu2BackPending"] = new(RoomMode.Sfu, [MA, MB], BackToP2PPending: true),
        ["Sfu2Failed"] = new(RoomMode.Sfu, [MA, MB], P2pFailedForMembership: true),
        ["Sfu3"] = new(RoomMode.Sfu, [MA, MB, MC]),
        ["Switching"] = new(RoomMode.Switching, [MA, MB], A, B),
        ["SwitchingLowUp"] = new(RoomMode.Switching, [MA, MB], A, B, LowConnected: true),
        ["SwitchingHighUp"] = new(RoomMode.Switching, [MA, MB], A, B, HighConnected: true),
        ["PeerToPeer"] = new(RoomMode.PeerToPeer, [MA, MB], A, B, true, true),
    };

    private static readonly Dictionary<string, RoomModeEvent> Events = new()
    {
        ["LeaveTo1"] = new RoomModeEvent.MembershipChanged([MA], 2),
        ["JoinTo2"] = new RoomModeEvent.MembershipChanged([MA, MB], 1),
        ["LeaveTo2"] = new RoomModeEvent.MembershipChanged([MA, MB], 3),
        ["JoinTo3"] = new RoomModeEvent.MembershipChanged([MA, MB, MC], 2),
        ["ConnectedLow"] = new RoomModeEvent.P2pConnected(A),
        ["ConnectedHigh"] = new RoomModeEvent.P2pConnected(B),
        ["ConnectedOutsider"] = new RoomModeEvent.P2pConnected(C),
        ["FailedPair"] = new RoomModeEvent.P2pFailed(A, "ice failed"),
        ["FailedOutsider"] = new RoomModeEvent.P2pFailed(C, "ice failed"),
        ["Timer"] = new RoomModeEvent.TimerFired(),
    };

    // Next mode per cell: S = Sfu, W = Switching, P = PeerToPeer; columns in the order of Events above.
    private static readonly Dictionary<string, string> Table = new()
    {
        //                      LeaveTo1 JoinTo2 LeaveTo2 JoinTo3 ConnLow ConnHigh ConnOut FailPair FailOut Timer
        ["Sfu1"] = "S W S S S S S S S S",
        ["Sfu2"] = "S W S S S S S S S S",
        ["Sfu2BackPending"] = "S W S S S S S S S W",
        ["Sfu2Failed"] = "S W S S S S S S S S",
        ["Sfu3"] = "S W S S S S S S S S",
        ["Switching"] = "S W S S W W W S W S",
        ["SwitchingLowUp"] = "S W S S W P W S W S",
        ["SwitchingHighUp"] = "S W S S P W W S W S",
        ["PeerToPeer"] = "S W S S P P P S P P",
    };

    public static TheoryData<string, string> Cells()
    {
        var data = new TheoryData<string, string>();
        foreach (var state in States.Keys)
        {
            foreach (var e in Events.Keys)
            {
                data.Add(state, e);
            }
        }

        return data;
    }

    [Fact]
    public void The_table_has_a_row_for_every_state_and_a_column_for_every_event()
    {
        Assert.Equal(States.Keys.Order(), Table.Keys.Order());
        Assert.All(Table.Values, row => Assert.Equal(Events.Count, row.Split(' ').Length));
        Assert.Equal(Enum.GetValues<RoomMode>().Order(), States.Values.Select(s => s.Mode).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Every_state_and_event_leads_to_the_mode_in_the_table_with_the_effects_of_that_transition(string stateName, string eventName)
    {
        var state = States[stateName];
        var e = Events[eventName];
        var (next, effects) = RoomModeMachine.Apply(state, e, Policy);

        var column = Events.Keys.ToList().IndexOf(eventName);
        var expected = Table[stateName].Split(' ')[column] switch { "S" => RoomMode.Sfu, "W" => RoomMode.Switching, _ => RoomMode.PeerToPeer };
        Assert.Equal(expected, next.Mode);

        var members = e is RoomModeEvent.MembershipChanged m ? m.Members : state.Members;
        Assert.Equal(members, next.Members);
        var modeChanges = effects.OfType<Effect.ModeChanged>().ToArray();
        var sends = effects.OfType<Effect.SendMode>().ToArray();
        if (next.Mode == state.Mode && modeChanges.Length == 0)
        {
            // No transition: nobody is told anything and forwarding is untouched.
            Assert.Empty(sends);
            Assert.Empty(effects.OfType<Effect.SetForwarding>());
        }
        else
        {
            // A transition (possibly through Sfu and back, as 1→2 from Switching): every member hears every mode
            // it passes through, in order, and the last mode heard is the new one.
            Assert.Equal(state.Mode, modeChanges[0].From);
            Assert.Equal(next.Mode, modeChanges[^1].To);
            foreach (var member in members)
            {
                var heard = sends.Where(s => s.ParticipantId == member.Id).ToArray();
                Assert.Equal(modeChanges.Select(c => c.To), heard.Select(s => s.Mode));
                Assert.Equal(next.PeerOf(member.Id), heard[^1].Peer);
            }
        }

        switch (next.Mode)
        {
            case RoomMode.Sfu:
                Assert.Null(next.PeerOf(A));
                Assert.Null(next.PairLow);
                if (modeChanges.Length > 0)
                {
                    // Back on the server path: everyone's forwarding resumes.
                    Assert.All(members, p => Assert.Contains(new Effect.SetForwarding(p.Id, true), effects));
                }

                break;
            case RoomMode.Switching:
                Assert.Equal((A, B), (next.PairLow, next.PairHigh));
                if (modeChanges.Length > 0)
                {
                    Assert.Contains(new Effect.StartTimer(Policy.P2PConnectTimeout), effects);
                    Assert.Contains(new Effect.SendMode(A, RoomMode.Switching, B, true), effects);
                    Assert.Contains(new Effect.SendMode(B, RoomMode.Switching, A, false), effects);
                }

                break;
            case RoomMode.PeerToPeer:
                Assert.Equal((B, A), (next.PeerOf(A), next.PeerOf(B)));
                if (modeChanges.Length > 0)
                {
                    // Make before break: the server connections stay, their forwarding pauses.
                    Assert.Contains(new Effect.CancelTimer(), effects);
                    Assert.All(members, p => Assert.Contains(new Effect.SetForwarding(p.Id, false), effects));
                }

                break;
        }
    }

    [Fact]
    public void A_fresh_pair_pauses_forwarding_at_once_but_a_pair_left_from_three_keeps_it_until_p2p_is_up()
    {
        var (fresh, freshEffects) = RoomModeMachine.Apply(States["Sfu1"], Events["JoinTo2"], Policy);
        Assert.Equal(RoomMode.Switching, fresh.Mode);
        Assert.Contains(new Effect.SetForwarding(A, false), freshEffects);

        var (waiting, waitingEffects) = RoomModeMachine.Apply(States["Sfu3"], Events["LeaveTo2"], Policy);
        Assert.Equal(RoomMode.Sfu, waiting.Mode);
        Assert.True(waiting.BackToP2PPending);
        Assert.Contains(new Effect.StartTimer(Policy.BackToP2PDelay), waitingEffects);

        var (switching, switchingEffects) = RoomModeMachine.Apply(waiting, Events["Timer"], Policy);
        Assert.Equal(RoomMode.Switching, switching.Mode);
        Assert.DoesNotContain(switchingEffects, x => x is Effect.SetForwarding);
    }

    [Fact]
    public void A_failed_or_timed_out_attempt_stays_on_the_server_until_the_membership_changes()
    {
        foreach (var ending in new[] { Events["FailedPair"], Events["Timer"] })
        {
            var (failed, _) = RoomModeMachine.Apply(States["Switching"], ending, Policy);
            Assert.Equal(RoomMode.Sfu, failed.Mode);
            Assert.True(failed.P2pFailedForMembership);
            Assert.Equal(RoomMode.Sfu, RoomModeMachine.Apply(failed, Events["Timer"], Policy).State.Mode);

            var (again, _) = RoomModeMachine.Apply(failed, Events["JoinTo2"], Policy);
            Assert.False(again.P2pFailedForMembership);
            Assert.Equal(RoomMode.Switching, again.Mode);
        }
    }

    [Theory]
    [MemberData(nameof(Cells))]
    public void Without_p2p_allowed_no_state_on_the_server_path_ever_starts_switching(string stateName, string eventName)
    {
        var state = States[stateName];
        if (state.Mode != RoomMode.Sfu)
        {
            return;
        }

        Assert.Equal(RoomMode.Sfu, RoomModeMachine.Apply(state, Events[eventName], Policy with { P2PEnabled = false }).State.Mode);
        var refusing = state with { Members = [.. state.Members.Select(m => m with { AllowP2p = m.Id != B })] };
        var e = Events[eventName] is RoomModeEvent.MembershipChanged mc
            ? mc with { Members = [.. mc.Members.Select(m => m with { AllowP2p = m.Id != B })] }
            : Events[eventName];
        Assert.Equal(RoomMode.Sfu, RoomModeMachine.Apply(refusing, e, Policy).State.Mode);
    }
}
