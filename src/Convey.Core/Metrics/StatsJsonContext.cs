using System.Text.Json.Serialization;

namespace Convey.Metrics;

/// <summary>Source-generated JSON metadata for <see cref="StatsSnapshot"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(StatsSnapshot))]
internal sealed partial class StatsJsonContext : JsonSerializerContext;
