using DigitalWeRoom.Sfu.Media.Speech;

namespace DigitalWeRoom.Sfu.Media.Tests.Speech;

public sealed class DominantSpeakerDetectorTests
{
    // 50 audio packets/s = 5 per 100 ms bin.
    private static void Run(DominantSpeakerDetector detector, int milliseconds, params (SpeakerActivity Speaker, byte Level)[] talking)
    {
        for (int t = 0; t < milliseconds; t += DominantSpeakerDetector.BinMilliseconds)
        {
            foreach (var (speaker, level) in talking)
            {
                for (int p = 0; p < 5; p++) speaker.OnAudioLevel(level, level < 127);
            }
            detector.Evaluate();
        }
    }

    [Fact]
    public void Speaker_takes_over_after_about_one_second_and_only_once()
    {
        var detector = new DominantSpeakerDetector();
        var alice = detector.AddSpeaker("alice");
        var bob = detector.AddSpeaker("bob");
        var changes = new List<string?>();
        detector.Listener = new SpeakerChanges(changes.Add);

        Run(detector, 900, (alice, 20), (bob, 127));
        Assert.Null(detector.DominantSpeaker); // not yet: ~1 s of dominance required (plus minimum score)
        Run(detector, 1500, (alice, 20), (bob, 127));
        Assert.Equal("alice", detector.DominantSpeaker);

        Run(detector, 5000, (alice, 127), (bob, 25));
        Assert.Equal("bob", detector.DominantSpeaker);
        Assert.Equal(["alice", "bob"], changes);
        Assert.Equal(["bob", "alice"], detector.History);
    }

    [Fact]
    public void A_200ms_cough_does_not_take_over()
    {
        var detector = new DominantSpeakerDetector();
        var alice = detector.AddSpeaker("alice");
        var bob = detector.AddSpeaker("bob");
        Run(detector, 3000, (alice, 30), (bob, 127));
        Assert.Equal("alice", detector.DominantSpeaker);

        // Bob coughs loudly for 200 ms while Alice keeps talking, and again while she pauses.
        Run(detector, 200, (alice, 30), (bob, 0));
        Run(detector, 3000, (alice, 30), (bob, 127));
        Run(detector, 200, (alice, 127), (bob, 0));
        Run(detector, 3000, (alice, 127), (bob, 127));
        Assert.Equal("alice", detector.DominantSpeaker);
    }

    [Fact]
    public void Interleaved_speakers_do_not_flap()
    {
        var detector = new DominantSpeakerDetector();
        var alice = detector.AddSpeaker("alice");
        var bob = detector.AddSpeaker("bob");
        int changes = 0;
        detector.Listener = new SpeakerChanges(_ => changes++);
        Run(detector, 3000, (alice, 30), (bob, 127));
        // Back-and-forth every 300 ms, equally loud: nobody dominates for a second by the ratio.
        for (int i = 0; i < 20; i++)
        {
            Run(detector, 300, (alice, 30), (bob, 127));
            Run(detector, 300, (alice, 127), (bob, 30));
        }
        Assert.Equal(1, changes);
        Assert.Equal("alice", detector.DominantSpeaker);
    }

    [Fact]
    public void Removing_the_dominant_speaker_reports_null()
    {
        var detector = new DominantSpeakerDetector();
        var alice = detector.AddSpeaker("alice");
        Run(detector, 3000, (alice, 30));
        Assert.Equal("alice", detector.DominantSpeaker);
        string? last = "x";
        detector.Listener = new SpeakerChanges(s => last = s);
        detector.RemoveSpeaker(alice);
        Assert.Null(last);
        Assert.Empty(detector.History);
    }
}

public sealed class LastNSelectorTests
{
    private static string[] Selected(int n, string[] candidates, string[] history, string[] pinned, string[] onScreen)
    {
        var active = new bool[candidates.Length];
        int count = LastNSelector.Select(n, candidates, history, pinned, onScreen, active);
        var result = candidates.Where((_, i) => active[i]).ToArray();
        Assert.Equal(count, result.Length);
        return result;
    }

    [Fact]
    public void Speakers_first_then_pinned_then_on_screen_then_rest()
    {
        string[] candidates = ["a", "b", "c", "d", "e", "f", "g", "h"];
        Assert.Equal(["a", "c", "f"], Selected(3, candidates, ["f", "c", "zz"], [], []).Order());
        Assert.Equal(["c", "f"], Selected(2, candidates, ["f", "c", "a"], ["a"], []).Order());
        Assert.Equal(["b", "c", "f"], Selected(3, candidates, ["f", "c"], ["b", "h"], []).Order());
        Assert.Equal(["a", "b", "e", "f"], Selected(4, candidates, ["f"], ["b"], ["e"]).Order());
        Assert.Equal(["a", "b", "c"], Selected(3, candidates, [], [], []));
        Assert.Equal(candidates, Selected(25, candidates, ["h"], ["a"], []));
        Assert.Empty(Selected(0, candidates, ["h"], ["a"], []));
    }

    [Fact]
    public void State_reports_resumed_and_paused_when_the_speaker_changes()
    {
        var state = new LastNState(2);
        string[] candidates = ["a", "b", "c", "d"];
        var resumed = new List<string>();
        var paused = new List<string>();
        state.Update(candidates, [], resumed, paused);
        Assert.Equal(["a", "b"], resumed);
        Assert.Empty(paused);

        state.Update(candidates, ["d"], resumed, paused);
        Assert.Equal(["d"], resumed);
        Assert.Equal(["b"], paused);
        Assert.Equal(["a", "d"], state.Active.Order());

        state.Update(["a", "c"], ["d"], resumed, paused); // d left
        Assert.Equal(["c"], resumed);
        Assert.Equal(["d"], paused);

        state.Update(["a", "c"], ["d"], resumed, paused);
        Assert.Empty(resumed);
        Assert.Empty(paused);
    }

    [Fact]
    public void Eight_participants_with_n_3_follow_speakers_then_pins_then_the_visible_page()
    {
        // A subscriber sees 7 others (join order). No speaker yet: the page's visible tiles decide, pins first.
        string[] others = ["b", "c", "d", "e", "f", "g", "h"];
        Assert.Equal(["b", "c", "d"], Selected(3, others, [], [], others));
        Assert.Equal(["e", "f", "g"], Selected(3, others, [], [], ["e", "f", "g", "h"]).Order());
        Assert.Equal(["b", "f", "g"], Selected(3, others, [], ["b"], ["f", "g", "h"]).Order());

        // h speaks: h first, then the pin, then the page; then g speaks: g and h before the pin.
        Assert.Equal(["b", "f", "h"], Selected(3, others, ["h"], ["b"], ["f", "g"]).Order());
        Assert.Equal(["b", "g", "h"], Selected(3, others, ["g", "h"], ["b"], ["f"]).Order());
        // Three recent speakers fill N; the subscriber itself ("a") in the history takes no slot.
        Assert.Equal(["c", "g", "h"], Selected(3, others, ["a", "g", "h", "c", "d"], ["b"], ["f"]).Order());
    }
}
