using Convey.Configuration;

namespace Convey.Host.Stats;

/// <summary>
/// How many series (tag combinations) /metrics keeps per metric. OpenTelemetry allocates room for every series a
/// metric may ever have when the metric is first published, 2,000 by default: about 3.5 MB of the idle host for the
/// ~30 metrics of a configuration with a handful of servers (docs/benchmarks.md, Host footprint). Convey's series
/// are one per frontend or per server (two per server for the byte counters), so the limit is sized from the
/// configuration the host starts with, with room for reloads to grow it fourfold; series past the limit are exported
/// under <c>otel_metric_overflow="true"</c> until the host restarts (docs/operations.md, Metrics).
/// </summary>
internal static class MetricSeriesLimit
{
    /// <summary>The smallest limit, whatever the configuration: room for a small configuration to grow by reloads.</summary>
    public const int Floor = 512;

    /// <summary>Series per metric for the host starting with <paramref name="startup"/>.</summary>
    public static int For(ConveyConfig startup)
    {
        var endpoints = startup.Frontends.Length + startup.Pools.Sum(pool => pool.Servers.Length);
        return Math.Max(Floor, 4 * endpoints);
    }
}
