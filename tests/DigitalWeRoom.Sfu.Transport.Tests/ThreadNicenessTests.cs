namespace DigitalWeRoom.Sfu.Transport.Tests;

public class ThreadNicenessTests
{
    [Fact]
    public void Lowering_applies_to_the_calling_thread_only_and_never_raises_it_back()
    {
        Assert.True(ThreadNiceness.IsSupported, "the server and the load generator run on Linux x86-64");
        int mine = ThreadNiceness.CurrentThreadId;
        int? before = ThreadNiceness.Get(mine);
        int? lowered = null, afterSmaller = null;
        bool ok = false, okSmaller = false;
        var thread = new Thread(() =>
        {
            ok = ThreadNiceness.LowerCurrentThread(12);
            lowered = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
            // A smaller value would need CAP_SYS_NICE: the thread stays at 12 and that counts as applied.
            okSmaller = ThreadNiceness.LowerCurrentThread(5);
            afterSmaller = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
        });
        thread.Start();
        thread.Join();

        Assert.True(ok);
        Assert.Equal(12, lowered);
        Assert.True(okSmaller);
        Assert.Equal(12, afterSmaller);
        Assert.Equal(before, ThreadNiceness.Get(mine));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(20)]
    [InlineData(-5)]
    public void Values_outside_1_to_19_are_refused(int nice)
    {
        int? before = null, after = null;
        bool applied = true;
        var thread = new Thread(() =>
        {
            before = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
            applied = ThreadNiceness.LowerCurrentThread(nice);
            after = ThreadNiceness.Get(ThreadNiceness.CurrentThreadId);
        });
        thread.Start();
        thread.Join();

        Assert.False(applied);
        Assert.Equal(before, after);
    }
}
