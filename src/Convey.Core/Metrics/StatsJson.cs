using System.Text.Json;

namespace Convey.Metrics;

/// <summary>Writes and reads <see cref="StatsSnapshot"/> as the <c>/stats</c> JSON (snake_case names, source-generated, AOT-safe).</summary>
public static class StatsJson
{
    private static readonly StatsJsonContext Indented = new(new JsonSerializerOptions(StatsJsonContext.Default.Options) { WriteIndented = true });

    /// <summary>The snapshot as JSON text.</summary>
    /// <param name="snapshot">The counters to write.</param>
    /// <param name="indented">Whether to indent for people rather than compact for machines.</param>
    public static string Serialize(StatsSnapshot snapshot, bool indented = false) =>
        JsonSerializer.Serialize(snapshot, Context(indented).StatsSnapshot);

    /// <summary>Writes the snapshot as UTF-8 JSON to <paramref name="utf8Json"/>.</summary>
    internal static Task SerializeAsync(Stream utf8Json, StatsSnapshot snapshot, bool indented = false, CancellationToken cancellationToken = default) =>
        JsonSerializer.SerializeAsync(utf8Json, snapshot, Context(indented).StatsSnapshot, cancellationToken);

    /// <summary>Reads a snapshot written by <see cref="Serialize"/> (for clients and tests).</summary>
    /// <exception cref="JsonException">The text is not a stats document.</exception>
    internal static StatsSnapshot Deserialize(string json) =>
        JsonSerializer.Deserialize(json, StatsJsonContext.Default.StatsSnapshot) ?? throw new JsonException("The stats document is null.");

    private static StatsJsonContext Context(bool indented) => indented ? Indented : StatsJsonContext.Default;
}
