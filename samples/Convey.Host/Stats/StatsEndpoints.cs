using Convey.Metrics;
using Convey.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Convey.Host.Stats;

/// <summary>The stats listener's endpoints: <c>/</c> (HTML status page), <c>/stats</c> (JSON), <c>/metrics</c> (Prometheus text).</summary>
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
    }

    private static StatsSnapshot Capture(ConveyRuntime runtime, ConveyService service) =>
        StatsSnapshot.Capture(runtime) with { LastReload = service.LastReload };
}
