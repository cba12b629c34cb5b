using System.Net;
using Convey.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Convey.Host.Stats;

/// <summary>
/// The host's HTTP side: a small web application listening on the stats address only (never on all interfaces
/// unless configured), serving <see cref="StatsEndpoints"/>. It is separate from the host that runs Convey so that
/// a reload can move it to another address: <see cref="StatsListener"/> builds a new one and stops the old.
/// </summary>
internal static class StatsServer
{
    /// <summary>
    /// Adds to the host what every stats listener reads: Convey's meter, exported as Prometheus text, with room for
    /// <paramref name="seriesPerMetric"/> series per metric (<see cref="MetricSeriesLimit"/>).
    /// </summary>
    public static void AddMetricsExport(IServiceCollection services, int seriesPerMetric) =>
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("convey"))
            .WithMetrics(metrics => metrics
                .AddMeter(Metrics.ConveyMetrics.MeterName)
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = seriesPerMetric })
                // Every scrape reads the live counters; no cached answer, so /metrics agrees with /stats.
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));

    /// <summary>Builds a web application listening on <paramref name="endPoint"/> that serves the state held by <paramref name="host"/>'s services.</summary>
    public static WebApplication Build(IPEndPoint endPoint, IServiceProvider host)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endPoint));

        // Logs go through the host's logging (its console format, its filters); signals belong to the host alone.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(host.GetRequiredService<ILoggerFactory>());
        builder.Services.AddSingleton<IHostLifetime, HostOwnedLifetime>();

        // The endpoints read the host's live state, not copies.
        builder.Services.AddSingleton(host.GetRequiredService<ConveyBalancer>());
        builder.Services.AddSingleton(host.GetRequiredService<TimeProvider>());
        builder.Services.AddSingleton(host.GetRequiredService<HealthCheckService>());
        builder.Services.AddSingleton(host.GetRequiredService<MeterProvider>());

        var app = builder.Build();
        StatsEndpoints.Map(app);
        return app;
    }

    /// <summary>The stats application starts and stops when <see cref="StatsListener"/> says; Ctrl+C and SIGTERM are the host's.</summary>
    private sealed class HostOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
