using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// One participant's first-remote-frame timeline over its server connection (docs/benchmarks.md): the page's marks
/// (js/timeline.js, ms since its navigation start) and the server's (its <see cref="SfuSession"/> and transport
/// timelines), the server's placed on the page's clock by taking the session's creation as the page's join-sent
/// (one loopback WebSocket message apart: a few ms, more under load).
/// </summary>
internal sealed record ConnectTimeline(IReadOnlyDictionary<string, double> Marks, string? Path)
{
    /// <summary>Page steps in the order they happen, then the server's (prefixed <c>server:</c>).</summary>
    private static readonly string[] PageOrder =
    [
        "script", "media", "ws-open", "join-sent", "joined", "mode-sfu", "sfu-offer", "sfu-relay-gathered", "sfu-answer",
        "sfu-ice-checking", "sfu-ice-connected", "sfu-connected", "sfu-first-rtp", "sfu-first-decoded", "first-remote-frame",
    ];

    public double? this[string step] => Marks.TryGetValue(step, out var v) ? v : null;

    /// <summary>Navigation start → first presented remote frame.</summary>
    public double FirstFrameFromNavigation => this["first-remote-frame"] ?? double.NaN;

    /// <summary>Join sent → first presented remote frame (what the person waits for after the page is up).</summary>
    public double FirstFrameFromJoin => FirstFrameFromNavigation - (this["join-sent"] ?? double.NaN);

    /// <summary>Join sent → server connection up (ICE and DTLS: <c>connectionState</c> connected).</summary>
    public double ConnectedFromJoin => (this["sfu-connected"] ?? double.NaN) - (this["join-sent"] ?? double.NaN);

    /// <summary>Waits for the page's first remote frame (and its first-decoded poll), then reads both sides.</summary>
    public static async Task<ConnectTimeline> ReadAsync(IMeetingPage page, SfuMediaHost media, string room)
    {
        try
        {
            await page.WaitForFunctionAsync("() => window.dwr && 'first-remote-frame' in window.dwr.timeline.marks && 'sfu-first-decoded' in window.dwr.timeline.marks", null, 30_000);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var partial = await page.EvaluateAsync("() => window.dwr ? JSON.stringify(window.dwr.timeline) : 'no window.dwr'");
            throw new TimeoutException($"no first remote frame in 30 s; timeline so far: {partial}", e);
        }

        var id = await Dwr.IdAsync(page);
        var json = await page.EvaluateAsync("() => window.dwr.timeline");
        var marks = new Dictionary<string, double>();
        foreach (var p in json.GetProperty("marks").EnumerateObject().Where(p => !p.Name.StartsWith('$')))
        {
            // Playwright hands -0, NaN and the infinities over as strings: a mark that is not a number is kept as NaN.
            marks[p.Name] = p.Value.ValueKind == JsonValueKind.Number ? p.Value.GetDouble() : double.NaN;
        }

        var path = json.GetProperty("path").ValueKind == JsonValueKind.String ? json.GetProperty("path").GetString() : null;
        string server = "";
        if (media.FindRoom(room)?.Find(id) is { } session && marks.TryGetValue("join-sent", out var joinSent))
        {
            double At(long timestamp) => joinSent + ((timestamp - session.Timeline.CreatedAt) * 1000.0 / Stopwatch.Frequency);
            void Add(string step, long timestamp)
            {
                if (timestamp != 0)
                {
                    marks["server:" + step] = Math.Round(At(timestamp));
                }
            }

            Add("offer-sent", session.Timeline.FirstOfferAt);
            Add("answer-applied", session.Timeline.FirstAnswerAt);
            if (session.IceTransport?.Timeline is { } t)
            {
                Add(t.FirstCheckWasTcp == true ? "first-check(tcp)" : "first-check(udp)", t.FirstCheck);
                Add(t.FirstNominationWasTcp == true ? "use-candidate(tcp)" : "use-candidate(udp)", t.FirstNomination);
                Add("dtls-client-hello", t.FirstDtlsRecord);
                Add("dtls-connected", t.DtlsConnected);
                Add("first-srtp-in", t.FirstRtpIn);
                Add("first-srtp-out", t.FirstRtpOut);
            }

            Add("media-connected", session.Timeline.MediaConnectedAt);
            Add("first-video-queued", session.Timeline.FirstVideoQueuedAt());
            server = $" (server: {(session.IceTransport?.IsSelectedTcp == true ? "tcp" : "udp")} selected, {session.IceTransport?.Timeline.DtlsRecordsOffPath ?? 0} DTLS records off the nominated pair)";
        }

        return new ConnectTimeline(marks, path + server);
    }

    /// <summary>One line: every step in time order, ms since the page's navigation start.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("path ").Append(Path ?? "?").Append(": ");
        var steps = Marks.OrderBy(m => m.Value).ThenBy(m => Array.IndexOf(PageOrder, m.Key));
        text.AppendJoin(", ", steps.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:F0}")));
        return text.ToString();
    }
}
