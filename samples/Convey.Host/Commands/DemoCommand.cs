using Convey.Host.CommandLine;
using Convey.Host.Demo;
using Convey.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Host.Commands;

/// <summary><c>--demo</c>: runs a balancer over two in-process demo backends, with no configuration file.</summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(HostArguments arguments, HostConsole console, CancellationToken cancellationToken)
    {
        foreach (var endPoint in new[] { DemoConfig.Frontend, DemoConfig.Stats })
        {
            if (PortCheck.IsTaken(endPoint))
            {
                await console.Error.WriteLineAsync($"convey: {endPoint} is already in use (another demo still running?); the demo needs 127.0.0.1:8080 and 127.0.0.1:7000 free.");
                return ExitCodes.ConfigRefused;
            }
        }

        await using var first = DemoBackend.Start("demo-1");
        await using var second = DemoBackend.Start("demo-2");
        var config = DemoConfig.For([first, second]);

        using var host = ConveyHostBuilder.Build(arguments, config, convey => convey.AddInMemoryConfig(config));
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => PrintWhatToTry(console.Out, first, second));
        return await HostRunner.RunAsync(host, console, cancellationToken);
    }

    private static void PrintWhatToTry(TextWriter writer, DemoBackend first, DemoBackend second)
    {
        var frontend = DemoConfig.Frontend;
        writer.WriteLine($"""

            Convey demo: a proxy on {frontend} balancing two demo backends ({first.Name} on {first.EndPoint}, {second.Name} on {second.EndPoint}).
            Try:
              curl http://{frontend}/    a few times: the answers alternate between {first.Name} and {second.Name}
              open http://{DemoConfig.Stats}/    the status page (JSON at /stats, Prometheus text at /metrics)
            Press Ctrl+C to stop.

            """);
        writer.Flush();
    }
}
