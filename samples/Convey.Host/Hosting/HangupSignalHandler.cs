using System.Runtime.InteropServices;
using Convey.Configuration;
using Convey.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Convey.Host.Hosting;

/// <summary>
/// SIGHUP (<c>systemctl reload</c>) re-reads the configuration at once and applies it like a file change, even
/// when the file watcher noticed nothing (file systems without file events). It also keeps the signal's default
/// action, ending the process without a drain, from ever happening.
/// </summary>
internal sealed partial class HangupSignalHandler(
    ConveyBalancer balancer,
    IConfigSource source,
    ILogger<HangupSignalHandler> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            LogRereading(source is TomlFileConfigSource file ? file.Path : balancer.Config.Source);
            balancer.RequestReload();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _registration?.Dispose();

    [LoggerMessage(EventId = HostLogEvents.Rereading, EventName = nameof(HostLogEvents.Rereading), Level = LogLevel.Information, Message = "SIGHUP: re-reading {Source}")]
    private partial void LogRereading(string source);
}
