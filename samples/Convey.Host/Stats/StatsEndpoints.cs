using Convey.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Convey.Host.Stats;

/// <summary>The stats listener's endpoints: <c>/</c> (HTML status page), <c>/stats</c> (JSON), <c>/metrics</c> (Prometheus text).</summary>
internal static class StatsEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/", (ConveyRuntime runtime, TimeProvider time) =>
            Results.Content(StatusPage.Render(runtime.Current, time.GetUtcNow()), "text/html; charset=utf-8"));
        app.MapPrometheusScrapingEndpoint("/metrics");
    }
}
