using System.Diagnostics.Metrics;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>Every series carries the node's <c>node_id</c> and <c>region</c>: measurements are made here with them.</summary>
internal sealed class MetricTags(KeyValuePair<string, object?> node, KeyValuePair<string, object?> region)
{
    public Measurement<T> M<T>(T value, params ReadOnlySpan<KeyValuePair<string, object?>> extra)
        where T : struct
    {
        var tags = new KeyValuePair<string, object?>[2 + extra.Length];
        tags[0] = node;
        tags[1] = region;
        extra.CopyTo(tags.AsSpan(2));
        return new Measurement<T>(value, tags);
    }

    public static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    public Measurement<T>[] Tagged<T>(T value)
        where T : struct => [M(value)];

    /// <summary>One measurement per label value: <paramref name="counts"/>[i] tagged <paramref name="label"/>=<paramref name="values"/>[i].</summary>
    public Measurement<long>[] ByLabel(long[] counts, string label, string[] values)
    {
        var result = new Measurement<long>[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            result[i] = M(counts[i], Tag(label, values[i]));
        }

        return result;
    }
}
