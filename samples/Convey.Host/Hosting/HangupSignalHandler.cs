using System.Runtime.InteropServices;
using Convey.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Convey.Host.Hosting;

/// <summary>
/// Keeps SIGHUP (<c>systemctl reload</c>, a closed terminal) from killing the balancer without a drain, which is
/// the signal's default. There is nothing to do on it: Convey applies its configuration file by itself
/// whenever the file changes.
/// </summary>
internal sealed partial class HangupSignalHandler(ConveyRuntime runtime, ILogger<HangupSignalHandler> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            LogHangup(runtime.Current.Config.Source);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();

    [LoggerMessage(Level = LogLevel.Information,
        Message = "SIGHUP ignored: Convey applies {Source} by itself whenever it changes (use SIGTERM to stop)")]
    private partial void LogHangup(string source);
}
