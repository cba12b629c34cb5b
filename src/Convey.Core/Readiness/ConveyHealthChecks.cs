namespace Convey.Readiness;

/// <summary>
/// Names and tags of the health checks <c>AddConveyCore()</c> registers with
/// <c>Microsoft.Extensions.Diagnostics.HealthChecks</c>. Map them with the tags, for example
/// <c>app.MapHealthChecks("/readyz", new() { Predicate = r =&gt; r.Tags.Contains(ConveyHealthChecks.ReadyTag) })</c>.
/// </summary>
public static class ConveyHealthChecks
{
    /// <summary>Tag of the readiness checks: unhealthy until the configuration is applied and every frontend listens; degraded while a pool has no healthy server or the last reload was not applied.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Readiness: the configuration is applied and every frontend's engine receives its traffic (unhealthy otherwise).</summary>
    internal const string Frontends = "convey_frontends";

    /// <summary>Readiness: every pool has at least one healthy server (degraded otherwise).</summary>
    internal const string Pools = "convey_pools";

    /// <summary>Readiness: the last reload, if any, was applied (degraded when refused or partially applied).</summary>
    internal const string Reload = "convey_reload";
}
