using System.Net;
using Convey.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Convey.Host.Stats;

/// <summary>
/// The host's HTTP side when the configuration has a <c>[stats]</c> table: a Kestrel listener on the stats
/// address only (never on all interfaces unless configured), serving <see cref="StatsEndpoints"/>.
/// </summary>
internal static class StatsServer
{
    /// <summary>Creates a web host builder that listens on <paramref name="endPoint"/> and exports Convey's meter.</summary>
    public static WebApplicationBuilder CreateBuilder(IPEndPoint endPoint)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endPoint));

        // The slim builder pins the simple console format; honour Logging:Console from configuration again, so
        // that Logging__Console__FormatterName=json works with or without a stats listener.
        builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("convey"))
            .WithMetrics(metrics => metrics
            .AddMeter(ConveyMetrics.MeterName)
            // Every scrape reads the live counters; no cached answer, so /metrics agrees with /stats.
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    /// <summary>Builds the host and maps the stats endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        StatsEndpoints.Map(app);
        return app;
    }
}
