using System.Globalization;
using System.Text;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>One sample of the Prometheus text exposition format.</summary>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value, long? TimestampMs)
{
    public string? this[string label] => Labels.GetValueOrDefault(label);
}

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4 (metric names, label sets with
/// escapes \\ \" \n, float values incl. NaN/+Inf/-Inf, optional timestamps, # HELP / # TYPE lines).
/// Throws <see cref="FormatException"/> with the line number on anything malformed, so a test fails
/// on output Prometheus itself would reject.
/// </summary>
internal sealed class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public List<PromSample> Samples { get; } = [];

    public Dictionary<string, string> TypeOf { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> HelpOf { get; } = new(StringComparer.Ordinal);

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n].TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                if (line[0] == '#')
                {
                    result.ParseComment(line);
                }
                else
                {
                    result.Samples.Add(ParseSample(line));
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {n + 1}: {e.Message}: {line}", e);
            }
        }

        return result;
    }

    public IEnumerable<PromSample> Series(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The single sample of <paramref name="name"/> whose labels include every given pair.</summary>
    public PromSample? Find(string name, params (string Label, string Value)[] labels) =>
        Series(name).SingleOrDefault(s => labels.All(l => s[l.Label] == l.Value));

    public double Value(string name, params (string Label, string Value)[] labels) =>
        Find(name, labels)?.Value ?? throw new KeyNotFoundException($"{name}{{{string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\""))}}} not in scrape");

    private void ParseComment(string line)
    {
        var parts = line.Split(' ', 4);
        if (parts.Length >= 3 && parts[0] == "#" && (parts[1] == "TYPE" || parts[1] == "HELP"))
        {
            var name = parts[2];
            RequireMetricName(name);
            if (parts[1] == "TYPE")
            {
                if (parts.Length != 4 || !Types.Contains(parts[3]))
                {
                    throw new FormatException("bad TYPE");
                }

                if (!TypeOf.TryAdd(name, parts[3]))
                {
                    throw new FormatException("second TYPE line for " + name);
                }
            }
            else
            {
                HelpOf[name] = parts.Length == 4 ? Unescape(parts[3], help: true) : "";
            }
        }

        // Any other comment is ignored, as the format allows.
    }

    private static PromSample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        RequireMetricName(name);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i >= line.Length)
                {
                    throw new FormatException("unterminated label set");
                }

                if (line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && line[i] != '=')
                {
                    i++;
                }

                var label = line[start..i];
                RequireLabelName(label);
                if (i + 1 >= line.Length || line[i + 1] != '"')
                {
                    throw new FormatException("label value must be quoted");
                }

                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException("unterminated label value");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (i >= line.Length)
                        {
                            throw new FormatException("dangling escape");
                        }

                        value.Append(line[i++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"bad escape \\{other}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException("duplicate label " + label);
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i < line.Length && line[i] != '}')
                {
                    throw new FormatException("expected , or }");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException("expected a space before the value");
        }

        var rest = line[(i + 1)..].Trim().Split(' ');
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException("expected value [timestamp]");
        }

        var sampleValue = ParseFloat(rest[0]);
        long? timestamp = rest.Length == 2
            ? long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ts) ? ts : throw new FormatException("bad timestamp")
            : null;
        return new PromSample(name, labels, sampleValue, timestamp);
    }

    private static double ParseFloat(string s) => s switch
    {
        "NaN" => double.NaN,
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException("bad value " + s),
    };

    private static string Unescape(string s, bool help) =>
        help ? s.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal) : s;

    private static void RequireMetricName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] is '_' or ':') ||
            !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            throw new FormatException("bad metric name '" + name + "'");
        }
    }

    private static void RequireLabelName(string name)
    {
        if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            throw new FormatException("bad label name '" + name + "'");
        }
    }
}
