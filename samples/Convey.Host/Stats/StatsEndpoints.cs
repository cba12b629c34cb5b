using Convey.Metrics;
using Convey.Readiness;
using Convey.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;

namespace Convey.Host.Stats;

/// <summary>
/// The stats listener's endpoints: <c>/</c> (HTML status page), <c>/stats</c> (JSON), <c>/metrics</c> (Prometheus
/// text), <c>/healthz</c> (liveness) and <c>/readyz</c> (readiness, with its reasons as JSON).
/// </summary>
internal static class StatsEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/", (ConveyRuntime runtime, ConveyService service, TimeProvider time) =>
        {
            var page = StatusPage.Render(Capture(runtime, service), time.GetUtcNow());
            return Results.Content(page, "text/html; charset=utf-8");
        });
        app.MapGet("/stats", async (ConveyRuntime runtime, ConveyService service, HttpContext context) =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await StatsJson.SerializeAsync(context.Response.Body, Capture(runtime, service), indented: true, context.RequestAborted);
        });
        app.MapPrometheusScrapingEndpoint("/metrics");

        // Liveness runs no check: answering at all shows the process and its listener are alive.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });

        // Readiness: 503 while unhealthy; degraded answers 200 with its reasons, as Kubernetes expects.
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ConveyHealthChecks.ReadyTag),
            ResponseWriter = ReadinessJson.WriteAsync,
        });
    }

    private static StatsSnapshot Capture(ConveyRuntime runtime, ConveyService service) =>
        StatsSnapshot.Capture(runtime) with { LastReload = service.LastReload };
}
