namespace Convey.Health;

/// <summary>The outcome of one probe.</summary>
/// <param name="IsHealthy">Whether the server answered as expected.</param>
/// <param name="Failure">Why not, when it did not (for logs).</param>
public readonly record struct HealthProbeResult(bool IsHealthy, string? Failure = null)
{
    /// <summary>A successful probe.</summary>
    public static HealthProbeResult Healthy { get; } = new(true);

    /// <summary>A failed probe with its reason.</summary>
    public static HealthProbeResult Unhealthy(string failure) => new(false, failure);
}
