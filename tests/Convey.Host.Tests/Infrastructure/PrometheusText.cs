using System.Globalization;
using System.Text.RegularExpressions;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>One sample of the Prometheus text exposition format: a metric name, its labels and a value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be a comment,
/// a well-formed HELP/TYPE line, or a sample; anything else fails the test.
/// </summary>
internal static partial class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] is "HELP" or "TYPE")
                {
                    Require(MetricName().IsMatch(parts[2]), lineNumber, line, "bad metric name");
                    Require(parts[1] == "HELP" || (parts.Length == 4 && Types.Contains(parts[3])), lineNumber, line, "bad TYPE");
                }

                continue;
            }

            var match = SampleLine().Match(line);
            Require(match.Success, lineNumber, line, "not a sample line");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (match.Groups["labels"].Success)
            {
                foreach (Match label in Label().Matches(match.Groups["labels"].Value))
                {
                    labels.Add(label.Groups["name"].Value, Unescape(label.Groups["value"].Value));
                }
            }

            samples.Add(new PrometheusSample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value, lineNumber, line)));
        }

        return samples;
    }

    /// <summary>The one sample named <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public static double Single(this IReadOnlyList<PrometheusSample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))
            .Select(s => s.Value)
            .Single();

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public static double Sum(this IReadOnlyList<PrometheusSample> samples, string name, params (string Name, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    private static double ParseValue(string value, int lineNumber, string line) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new FormatException($"line {lineNumber}: bad value in '{line}'"),
    };

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static void Require(bool condition, int lineNumber, string line, string problem)
    {
        if (!condition)
        {
            throw new FormatException($"line {lineNumber}: {problem}: '{line}'");
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*"(,|(?=\})))*)\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>([^"\\]|\\.)*)"(,|$)""")]
    private static partial Regex Label();
}
