namespace Convey.Runtime;

/// <summary>The outcome of the last reload of the configuration, as <c>/stats</c>, the status page and readiness show it.</summary>
public sealed record ReloadStatus
{
    /// <summary>Whether the reload was applied, partially applied or refused.</summary>
    public ReloadResult Result { get; init; }

    /// <summary>When the reload ended.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>The configuration source that was read (for a file, its path).</summary>
    public string Source { get; init; } = "";

    /// <summary>Why the reload was refused or only partially applied; null when it was applied.</summary>
    public string? Error { get; init; }
}
