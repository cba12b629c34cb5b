using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Convey.Host.Stats;

/// <summary>
/// Runs the stats listener where the configuration in force says (<c>[stats]</c>), and moves it when a reload
/// changes <c>port</c> or <c>listen_addr</c>: the new address is bound first, then the old one is closed; when
/// the new one cannot be bound the error is logged and the old one keeps serving. A stats listener that cannot
/// bind at start fails the start, like a frontend.
/// </summary>
internal sealed partial class StatsListener(
    ConveyRuntime runtime,
    IServiceProvider services,
    TimeProvider time,
    ILogger<StatsListener> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>How often the configuration in force is compared with the listener's address.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private IPEndPoint? _bound;
    private StatsSettings? _applied;
    private Task _watch = Task.CompletedTask;

    /// <summary>Where the listener is bound now; null when the configuration has no <c>[stats]</c> table.</summary>
    public IPEndPoint? EndPoint => Volatile.Read(ref _bound);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _applied = StatsSettings.Of(runtime.Current.Config);
        if (EndPointOf(_applied) is { } endPoint)
        {
            _app = await OpenAsync(endPoint, cancellationToken);
            Volatile.Write(ref _bound, endPoint);
        }

        _watch = Task.Run(() => WatchAsync(_stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_app is { } app)
        {
            _app = null;
            Volatile.Write(ref _bound, null);
            await CloseAsync(app, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }

        _stopping.Dispose();
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckInterval, time, stopping);
                var wanted = StatsSettings.Of(runtime.Current.Config);
                if (!Equals(wanted, _applied))
                {
                    _applied = wanted;
                    await MoveAsync(EndPointOf(wanted), stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The stats listener failing must never stop the balancer; it is logged and the loop goes on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogWatchFailed(ex);
            }
        }
    }

    private async Task MoveAsync(IPEndPoint? wanted, CancellationToken cancellationToken)
    {
        var old = _app;
        var oldEndPoint = _bound;
        if (wanted is null)
        {
            _app = null;
            Volatile.Write(ref _bound, null);
            if (old is not null)
            {
                await CloseAsync(old, cancellationToken);
                LogClosed(oldEndPoint!.ToString());
            }

            return;
        }

        if (wanted.Equals(oldEndPoint))
        {
            return;
        }

        var (opened, error) = await TryOpenAsync(wanted, cancellationToken);
        if (opened is null && old is not null && wanted.Port == oldEndPoint!.Port)
        {
            // Same port on another address (127.0.0.1 to 0.0.0.0, say) clashes with the old listener itself: close it
            // first, and open it again if the new address still cannot be bound.
            await CloseAsync(old, cancellationToken);
            (opened, error) = await TryOpenAsync(wanted, cancellationToken);
            if (opened is null)
            {
                (old, _) = await TryOpenAsync(oldEndPoint, cancellationToken);
                _app = old;
                Volatile.Write(ref _bound, old is null ? null : oldEndPoint);
            }
            else
            {
                old = null;
            }
        }

        if (opened is null)
        {
            LogBindFailed(wanted.ToString(), error!, _bound?.ToString() ?? "nowhere");
            return;
        }

        _app = opened;
        Volatile.Write(ref _bound, wanted);
        if (old is not null)
        {
            await CloseAsync(old, cancellationToken);
        }

        LogMoved(oldEndPoint?.ToString() ?? "nowhere", wanted.ToString());
    }

    /// <summary>Opens a listener on <paramref name="endPoint"/>; on a bind failure returns why instead.</summary>
    private async Task<(WebApplication? App, string? Error)> TryOpenAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        try
        {
            return (await OpenAsync(endPoint, cancellationToken), null);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            return (null, ex.InnerException?.Message ?? ex.Message);
        }
    }

    private async Task<WebApplication> OpenAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var app = StatsServer.Build(endPoint, services);
        try
        {
            await app.StartAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task CloseAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await app.StopAsync(cancellationToken);
        await app.DisposeAsync();
    }

    private static IPEndPoint? EndPointOf(StatsSettings stats) => stats.EndPoint;

    [LoggerMessage(EventId = HostLogEvents.StatsListenerMoved, EventName = nameof(HostLogEvents.StatsListenerMoved), Level = LogLevel.Information, Message = "Stats listener moved from {Old} to {New}")]
    private partial void LogMoved(string old, string @new);

    [LoggerMessage(EventId = HostLogEvents.StatsListenerClosed, EventName = nameof(HostLogEvents.StatsListenerClosed), Level = LogLevel.Information, Message = "Stats listener on {Old} closed: the configuration has no [stats] table any more")]
    private partial void LogClosed(string old);

    [LoggerMessage(EventId = HostLogEvents.StatsListenerBindFailed, EventName = nameof(HostLogEvents.StatsListenerBindFailed), Level = LogLevel.Error, Message = "Stats listener cannot bind {New}: {Reason}; it stays on {Old} until [stats] changes again")]
    private partial void LogBindFailed(string @new, string reason, string old);

    [LoggerMessage(EventId = HostLogEvents.StatsListenerNotFollowing, EventName = nameof(HostLogEvents.StatsListenerNotFollowing), Level = LogLevel.Error, Message = "Stats listener could not follow the configuration; it stays as it is")]
    private partial void LogWatchFailed(Exception exception);
}
