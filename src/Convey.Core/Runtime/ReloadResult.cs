using System.Text.Json.Serialization;

namespace Convey.Runtime;

/// <summary>How a reload of the configuration ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReloadResult>))]
public enum ReloadResult
{
    /// <summary>The new configuration is in force.</summary>
    [JsonStringEnumMemberName("applied")]
    Applied,

    /// <summary>The new configuration is in force, but an engine could not apply it; that engine's frontends keep their previous state.</summary>
    [JsonStringEnumMemberName("partially_applied")]
    PartiallyApplied,

    /// <summary>The new configuration was refused (invalid, empty or unreadable); the previous one stays in force.</summary>
    [JsonStringEnumMemberName("refused")]
    Refused,
}
