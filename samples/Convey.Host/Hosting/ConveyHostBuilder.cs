using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Host.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Convey.Host.Hosting;

/// <summary>Builds the generic host that runs Convey: console logging (systemd-aware), Convey's services, the shutdown deadline.</summary>
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
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownDeadline.For(startup));
        addConfigSource(builder.Services.AddConvey(options =>
        {
            if (arguments.DefaultMode is { } mode)
            {
                options.DefaultMode = mode;
            }
        }));
        return builder.Build();
    }

    private static void ConfigureLogging(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        });

        // The host logs a failed start with its stack trace; HostRunner prints the cause itself, without one.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    }
}
