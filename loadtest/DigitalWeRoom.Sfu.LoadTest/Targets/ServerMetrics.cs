using System.Globalization;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// Reads the server's own counters from its Prometheus text at <c>/metrics</c> (same host and port as the signaling
/// WebSocket; open on loopback, docs/metrics.md). With sinks the subscribers cannot count what was forwarded: the
/// server's <c>sfu_packets_total{direction="out"}</c> (every consumer's RTP stream sender) is the figure.
/// </summary>
internal sealed class ServerMetrics(Uri ws) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new UriBuilder(ws) { Scheme = ws.Scheme == "wss" ? "https" : "http", Path = "/" }.Uri, Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>Packets the server sent to subscribers so far (original and retransmitted), or -1 if /metrics cannot be read.</summary>
    public async Task<long> ReadPacketsOutAsync()
    {
        try
        {
            string text = await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).ConfigureAwait(false);
            return SumSamples(text, "sfu_packets_total", "direction=\"out\"") is double sum and >= 0 ? (long)sum : -1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return -1;
        }
    }

    /// <summary>
    /// The server's <c>sfu_packets_dropped_total</c> summed by its <c>reason</c> label (queue_overflow, ...), or an empty
    /// map if /metrics cannot be read: read before and after a run, the difference says what the server dropped.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> ReadDropsByReasonAsync()
    {
        try
        {
            return DropsByReason(await _http.GetStringAsync(new Uri("/metrics", UriKind.Relative)).ConfigureAwait(false));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Dictionary<string, long>();
        }
    }

    /// <summary>Samples of <c>sfu_packets_dropped_total</c> summed by their <c>reason</c> label.</summary>
    public static Dictionary<string, long> DropsByReason(string text)
    {
        const string Family = "sfu_packets_dropped_total{";
        const string Label = "reason=\"";
        var result = new Dictionary<string, long>();
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith(Family, StringComparison.Ordinal)) continue;
            int close = line.IndexOf('}', StringComparison.Ordinal);
            int at = close < 0 ? -1 : line.IndexOf(Label, Family.Length, close - Family.Length, StringComparison.Ordinal);
            if (at < 0) continue;
            int end = line.IndexOf('"', at + Label.Length);
            if (end < 0 || end > close) continue;
            string[] rest = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length == 0 || !double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) continue;
            string reason = line[(at + Label.Length)..end];
            result[reason] = result.GetValueOrDefault(reason) + (long)value;
        }
        return result;
    }

    /// <summary>Sum of the samples of <paramref name="family"/> whose label set contains <paramref name="label"/>; -1 if none.</summary>
    public static double SumSamples(string text, string family, string label)
    {
        double sum = 0;
        bool any = false;
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith(family, StringComparison.Ordinal) || line.Length <= family.Length || line[family.Length] != '{') continue;
            int close = line.IndexOf('}', StringComparison.Ordinal);
            if (close < 0 || !line.AsSpan(family.Length, close - family.Length).Contains(label, StringComparison.Ordinal)) continue;
            string[] rest = line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (rest.Length > 0 && double.TryParse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                sum += value;
                any = true;
            }
        }
        return any ? sum : -1;
    }

    public void Dispose() => _http.Dispose();
}
