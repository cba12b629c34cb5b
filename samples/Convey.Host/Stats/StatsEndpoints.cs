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
        app.MapGet("/", (ConveyBalancer balancer, TimeProvider time) =>
        {
            var page = StatusPage.Render(balancer.GetStats(), time.GetUtcNow());
            return Results.Content(page, "text/html; charset=utf-8");
        });
        app.MapGet("/stats", async (ConveyBalancer balancer, HttpContext context) =>
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await StatsJson.SerializeAsync(context.Response.Body, balancer.GetStats(), indented: true, context.RequestAborted);
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
}
