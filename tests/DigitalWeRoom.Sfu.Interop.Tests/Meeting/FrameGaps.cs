using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Make before break, measured in the page (issue #3, issue #14 (e)): the longest stall of presented frames on each
/// page's tile of its remote peer (what a person sees) across a path switch, in Chromium or Firefox.
/// </summary>
internal static class FrameGaps
{
    /// <summary>The gap every switch must stay under (SfuMeetingTests, docs/benchmarks.md "switch gap").</summary>
    public const double BoundMs = 1000;

    /// <summary>
    /// The 2→3 gap when every path is relayed by coturn over TLS (TurnTlsMeetingTests): each packet crosses the relay
    /// twice over TCP, and coturn, three browsers and the server share two cores while the third page opens and two
    /// simulcast encoders start. Measured 867–906 ms on a quiet machine and 940–1,344 ms in CI (session 16); the
    /// stall lands before the path changes as often as after it (the page's event log), so it is the machine, not a
    /// missing make-before-break. Direct paths keep <see cref="BoundMs"/>.
    /// </summary>
    public const double RelayedBoundMs = 1500;

    /// <summary>Each page's clock (<c>performance.now()</c>) now: the start of the measured interval.</summary>
    public static async Task<double[]> MarkAsync(IReadOnlyList<(IMeetingPage Page, string RemoteId)> views)
    {
        var since = new double[views.Count];
        for (var i = 0; i < views.Count; i++)
        {
            since[i] = (await views[i].Page.EvaluateAsync("() => window.dwr.now()")).GetDouble();
        }

        return since;
    }

    /// <summary>
    /// Waits until <paramref name="settled"/> holds, plus 2 s, and returns the longest frame gap on any view since
    /// <paramref name="since"/> (from <see cref="MarkAsync"/>); each view's report goes to <paramref name="log"/>.
    /// </summary>
    public static async Task<double> LongestAsync(IReadOnlyList<(IMeetingPage Page, string RemoteId)> views, double[] since,
        Func<Task<bool>> settled, TimeSpan limit, Action<string>? log = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await settled())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"the switch did not settle within {limit}");
            }

            await Task.Delay(100);
        }

        await Task.Delay(2000);
        var longest = 0.0;
        for (var i = 0; i < views.Count; i++)
        {
            var report = await views[i].Page.EvaluateAsync("([id, since]) => window.dwr.frameGapReport(id, since)", new object[] { views[i].RemoteId, since[i] });
            var gap = report.GetProperty("gap").GetDouble();
            log?.Invoke($"view {i}: gap {gap:F0} ms at {report.GetProperty("at").GetDouble() - since[i]:F0} ms; events {string.Join("; ", report.GetProperty("events").EnumerateArray().Select(e => $"{e[0].GetDouble() - since[i]:F0} {e[1].GetString()}"))}");
            longest = Math.Max(longest, gap);
        }

        return longest;
    }
}
