using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Host.CommandLine;
using Convey.Host.Stats;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Convey.Host.Hosting;

/// <summary>
/// Builds the host that runs Convey: console logging (systemd-aware), Convey's services, the shutdown deadline,
/// and the stats listener wherever the configuration in force asks for one.
/// </summary>
internal static class ConveyHostBuilder
{
    /// <summary>Builds the host for <paramref name="startup"/>, the configuration as read at start.</summary>
    /// <param name="arguments">The command line (default mode).</param>
    /// <param name="startup">The configuration at start; sizes the shutdown deadline.</param>
    /// <param name="addConfigSource">Chooses where Convey reads its configuration from.</param>
    public static IHost Build(HostArguments arguments, ConveyConfig startup, Action<IConveyBuilder> addConfigSource)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        ConfigureLogging(builder.Logging);
        builder.Services.AddSystemd();
        builder.Services.AddHostedService<HangupSignalHandler>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownDeadline.For(startup));
        builder.Services.Configure<Convey.Proxy.ProxyEngineOptions>(TransportEnvironment.Apply);
        addConfigSource(AddConveyServices(builder.Services, arguments));

        // The HTTP side follows [stats] of the configuration in force (none without the table); it starts after Convey.
        StatsServer.AddMetricsExport(builder.Services, MetricSeriesLimit.For(startup));
        builder.Services.AddHostedService<StatsListener>();
        builder.Services.AddHostedService<StartupMemoryRelease>();
        return builder.Build();
    }

    /// <summary>
    /// Every problem the running host would refuse <paramref name="config"/> for, found by the services the host
    /// builds (same engines, policies and default mode) through the runtime's own validation, without starting anything.
    /// </summary>
    public static async Task<IReadOnlyList<ConfigError>> ValidateAsync(HostArguments arguments, ConveyConfig config)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        AddConveyServices(services, arguments).AddInMemoryConfig(config);
        await using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ConveyRuntime>().Validate(config);
    }

    /// <summary>Convey's services as the host runs them: both engines, with the command line's default mode.</summary>
    private static IConveyBuilder AddConveyServices(IServiceCollection services, HostArguments arguments) =>
        services.AddConvey(options =>
        {
            if (arguments.DefaultMode is { } mode)
            {
                options.DefaultMode = mode;
            }
        }).AddSettingsOwner<StatsSettings.Owner>();

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        // Shapes the default (simple) console format only, so Logging__Console__FormatterName=json still
        // switches to JSON lines, and systemd's format still wins under systemd.
        // Naming the simple formatter matters: without a formatter name the console provider copies its own
        // (obsolete) options over these and the lines lose SingleLine. A configured name still wins, as does systemd's.
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        logging.Services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        // The host logs a failed start with its stack trace; HostRunner prints the cause itself, without one.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        // One line per stats request is noise next to the balancer's own messages.
        logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    }
}
