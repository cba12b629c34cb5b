namespace Convey.Health;

/// <summary>The outcome of one probe: <see cref="Healthy"/>, or <see cref="Unhealthy"/> with the reason.</summary>
public readonly struct HealthProbeResult
{
    private HealthProbeResult(bool isHealthy, string? failure)
    {
        IsHealthy = isHealthy;
        Failure = failure;
    }

    /// <summary>Whether the server answered as expected.</summary>
    public bool IsHealthy { get; }

    /// <summary>Why not, when it did not (for logs).</summary>
    public string? Failure { get; }

    /// <summary>A successful probe.</summary>
    public static HealthProbeResult Healthy { get; } = new(true, null);

    /// <summary>A failed probe with its reason.</summary>
    public static HealthProbeResult Unhealthy(string failure) => new(false, failure);
}
