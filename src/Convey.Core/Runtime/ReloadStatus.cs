using System.Text.Json.Serialization;

namespace Convey.Runtime;

/// <summary>The outcome of the last reload of the configuration, as <c>/stats</c>, the status page and readiness show it.</summary>
public sealed class ReloadStatus
{
    /// <summary>Whether the reload was applied, partially applied or refused.</summary>
    [JsonInclude]
    public ReloadResult Result { get; internal init; }

    /// <summary>When the reload ended.</summary>
    [JsonInclude]
    public DateTimeOffset Time { get; internal init; }

    /// <summary>The configuration source that was read (for a file, its path).</summary>
    [JsonInclude]
    public string Source { get; internal init; } = "";

    /// <summary>
    /// The source's number for the version that was read (etcd's revision of the key), applied or refused; null for
    /// sources that do not number their versions.
    /// </summary>
    [JsonInclude]
    public long? Revision { get; internal init; }

    /// <summary>Why the reload was refused or only partially applied; null when it was applied.</summary>
    [JsonInclude]
    public string? Error { get; internal init; }
}
