using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime.Resolution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Convey.Runtime;

/// <summary>
/// The one hosted service of Convey: loads the configuration, applies it to the runtime, hands the live state
/// to the engines and health checks, then applies every reload until the host stops, and drains on stop.
/// A configuration refused at start stops the host with the errors; one refused later is logged and the last
/// good configuration stays in force. An engine that cannot forward at start (<see cref="ForwardingException"/>:
/// a frontend cannot listen, the descriptor limit is too small) stops the host too; on a reload it is logged,
/// one line per frontend, and the rest of the reload stays applied.
/// </summary>
internal sealed partial class ConveyService : IHostedService, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private readonly IConfigSource _source;
    private readonly ConveyRuntime _runtime;
    private readonly IEnumerable<IForwardingEngine> _engines;
    private readonly HealthCoordinator _health;
    private readonly ConveyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ConveyService> _logger;
    private readonly HostNameResolution _hostNames;
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _reloadRequested = new();
    private Task _reloads = Task.CompletedTask;
    private long _reloadFailures;
    private ConfigException? _lastReloadError;
    private ReloadStatus? _lastReload;
    private int _disposed;

    /// <summary>Creates the service; resolved from DI.</summary>
    public ConveyService(
        IConfigSource source,
        ConveyRuntime runtime,
        IEnumerable<IForwardingEngine> engines,
        HealthCoordinator health,
        ConveyMetrics metrics,
        TimeProvider time,
        ILogger<ConveyService> logger)
        : this(source, runtime, engines, health, metrics, time, logger, new SystemHostNameResolver())
    {
    }

    /// <summary>Creates the service with its own host name resolver (tests use a fake).</summary>
    internal ConveyService(
        IConfigSource source,
        ConveyRuntime runtime,
        IEnumerable<IForwardingEngine> engines,
        HealthCoordinator health,
        ConveyMetrics metrics,
        TimeProvider time,
        ILogger<ConveyService> logger,
        IHostNameResolver resolver)
    {
        _hostNames = new HostNameResolution(resolver, time, logger);
        _source = source;
        _runtime = runtime;
        _engines = engines;
        _health = health;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reloads refused since start.</summary>
    public long ReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>The errors of the last refused reload, or null when the last reload was applied.</summary>
    public ConfigException? LastReloadError
    {
        get => Volatile.Read(ref _lastReloadError);
        private set => Volatile.Write(ref _lastReloadError, value);
    }

    /// <summary>How the last reload ended, when and why; null until the first reload after start.</summary>
    public ReloadStatus? LastReload
    {
        get => Volatile.Read(ref _lastReload);
        private set => Volatile.Write(ref _lastReload, value);
    }

    /// <summary>
    /// Re-reads the configuration source now, as if its reload token had fired, and applies or refuses the result
    /// like any reload (logged, counted in <see cref="ReloadFailures"/>). For a file this reads the file even when
    /// no change was noticed, as on file systems that deliver no file events. Returns at once; requests made while
    /// a reload runs are served by one more reload after it.
    /// </summary>
    public void RequestReload()
    {
        // Not disposed: the reload loop may still be reading the token of the one it replaces.
        Interlocked.Exchange(ref _reloadRequested, new CancellationTokenSource()).Cancel();
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var triggers = CurrentTriggers();
        ConveyConfig config;
        try
        {
            config = await _source.LoadAsync(cancellationToken).ConfigureAwait(false);
            var hosts = await _hostNames.ResolveAllAsync(config, cancellationToken).ConfigureAwait(false);
            await ApplyAsync(config, hosts, starting: true, cancellationToken).ConfigureAwait(false);
        }
        catch (ConfigException ex)
        {
            LogStartRefused(ex.Errors.Count, ex.Message);
            throw;
        }

        LogStarted(config.Source, config.Frontends.Length, config.Pools.Length);
        _reloads = Task.Run(() => ReloadLoopAsync(triggers, _stopping.Token), CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _reloads.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _health.StopAsync().ConfigureAwait(false);
        await Task.WhenAll(_engines.Select(e => e.StopAsync(cancellationToken))).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as IHostedService, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>
    /// Applies a snapshot to the runtime, the health checks and every engine; returns what each engine that failed
    /// could not apply, one entry per engine. At start an engine failure fails the start; on reload it is logged and
    /// the other engines still apply.
    /// </summary>
    private async Task<List<string>> ApplyAsync(ConveyConfig config, HostAddresses hosts, bool starting, CancellationToken cancellationToken)
    {
        var snapshot = _runtime.Apply(config, hosts);
        _health.Apply(snapshot);
        var failures = new List<string>();
        foreach (var engine in _engines)
        {
            if (starting)
            {
                await engine.ApplyAsync(snapshot, cancellationToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                await engine.ApplyAsync(snapshot, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (FrontendListenException ex)
            {
                // Everything else was applied; the engine retries these frontends on its own.
                failures.Add(string.Join("; ", ex.Failures) + " (retried every few seconds)");
                foreach (var failure in ex.Failures)
                {
                    LogFrontendNotListening(failure.Frontend, failure.EndPoint, failure.Reason);
                }
            }
            catch (ForwardingException ex)
            {
                failures.Add($"{ex.Message}; the engine's frontends keep their previous state");
                LogEngineCannotForward(engine.GetType().Name, ex.Message);
            }
#pragma warning disable CA1031 // One engine failing must not keep the others on the old state; it is logged and counted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures.Add($"{engine.GetType().Name} failed ({ex.GetType().Name}); its frontends keep their previous state (the log has the cause)");
                LogEngineApplyFailed(ex, engine.GetType().Name, config.Source);
            }
        }

        _runtime.RemoveDrained();
        return failures;
    }

    private async Task ReloadLoopAsync(ReloadTriggers triggers, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            if (!await WaitForChangeAsync(triggers, stopping).ConfigureAwait(false))
            {
                _runtime.RemoveDrained();
                await ApplyHostNameChangesAsync(stopping).ConfigureAwait(false);
                continue;
            }

            triggers = CurrentTriggers();
            ConveyConfig? candidate = null;
            try
            {
                var config = candidate = await _source.LoadAsync(stopping).ConfigureAwait(false);
                var hosts = await _hostNames.ResolveAllAsync(config, stopping).ConfigureAwait(false);
                var engineFailures = await ApplyAsync(config, hosts, starting: false, stopping).ConfigureAwait(false);
                LastReloadError = null;
                LogReloadApplied(config.Source, config.Frontends.Length, config.Pools.Length);
                if (engineFailures.Count > 0)
                {
                    RecordReload(ReloadResult.PartiallyApplied, config.Source, config.Revision,
                        $"{engineFailures.Count} engine(s) could not apply it: {string.Join(" | ", engineFailures)}.");
                    _metrics.RecordReloadPartiallyApplied();
                }
                else
                {
                    RecordReload(ReloadResult.Applied, config.Source, config.Revision, error: null);
                    _metrics.RecordReloadApplied();
                }
            }
            catch (ConfigException ex)
            {
                Interlocked.Increment(ref _reloadFailures);
                LastReloadError = ex;
                // The source's own refusal names the revision; the runtime's refusal of what the source read has it in the candidate.
                RecordReload(ReloadResult.Refused, ex.Errors.Count > 0 ? ex.Errors[0].Source : _runtime.Current.Config.Source, ex.Revision ?? candidate?.Revision, ex.Message);
                LogReloadRefused(ex.Errors.Count, ex.Message);
                _metrics.RecordReloadRefused();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed reload must never stop the balancer; it is logged and counted.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _reloadFailures);
                RecordReload(ReloadResult.Refused, _runtime.Current.Config.Source, candidate?.Revision, ex.Message);
                LogReloadFailed(ex);
                _metrics.RecordReloadRefused();
            }
        }
    }

    private void RecordReload(ReloadResult result, string source, long? revision, string? error) =>
        LastReload = new ReloadStatus { Result = result, Time = _time.GetUtcNow(), Source = source, Revision = revision, Error = error };

    /// <summary>What starts the next reload: the source's token, or a call to <see cref="RequestReload"/>, whichever comes first.</summary>
    private ReloadTriggers CurrentTriggers() => new(_source.GetReloadToken(), Volatile.Read(ref _reloadRequested).Token);

    /// <summary>
    /// Looks up the host names whose resolve interval has passed and, when the addresses differ from those in force
    /// (changed now, or by the lookups of a reload that was refused), applies the configuration in force again with
    /// them, as a reload would: kept addresses keep their servers.
    /// </summary>
    private async Task ApplyHostNameChangesAsync(CancellationToken stopping)
    {
        try
        {
            var config = _runtime.Current.Config;
            if (await _hostNames.RefreshDueAsync(config, _runtime.Hosts, stopping).ConfigureAwait(false) is { } hosts)
            {
                await ApplyAsync(config, hosts, starting: false, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // New addresses that cannot be applied must never stop the balancer; the old ones stay.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHostNameChangeFailed(ex);
        }
    }

    /// <summary>Waits for a trigger or the sweep interval; true when a trigger fired.</summary>
    private async Task<bool> WaitForChangeAsync(ReloadTriggers triggers, CancellationToken stopping)
    {
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Both registrations end with the wait, so a reload token that never fires holds no callback from the last one.
        using var registration = triggers.Changed.RegisterChangeCallback(static s => ((TaskCompletionSource)s!).TrySetResult(), changed);
        using var requested = triggers.Requested.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), changed);
        try
        {
            await changed.Task.WaitAsync(SweepInterval, _time, stopping).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return triggers.Changed.HasChanged || triggers.Requested.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = CoreLogEvents.Started, EventName = nameof(CoreLogEvents.Started), Level = LogLevel.Information, Message = "Convey started from {Source}: {Frontends} frontend(s), {Pools} pool(s)")]
    private partial void LogStarted(string source, int frontends, int pools);

    [LoggerMessage(EventId = CoreLogEvents.StartRefused, EventName = nameof(CoreLogEvents.StartRefused), Level = LogLevel.Critical, Message = "Convey cannot start: the configuration was refused ({Count} error(s)). {Errors}")]
    private partial void LogStartRefused(int count, string errors);

    [LoggerMessage(EventId = CoreLogEvents.ReloadApplied, EventName = nameof(CoreLogEvents.ReloadApplied), Level = LogLevel.Information, Message = "Reload applied from {Source}: {Frontends} frontend(s), {Pools} pool(s)")]
    private partial void LogReloadApplied(string source, int frontends, int pools);

    [LoggerMessage(EventId = CoreLogEvents.ReloadRefused, EventName = nameof(CoreLogEvents.ReloadRefused), Level = LogLevel.Error, Message = "Reload refused ({Count} error(s)); the previous configuration stays in force. {Errors}")]
    private partial void LogReloadRefused(int count, string errors);

    [LoggerMessage(EventId = CoreLogEvents.EngineApplyFailed, EventName = nameof(CoreLogEvents.EngineApplyFailed), Level = LogLevel.Error, Message = "Engine {Engine} could not apply the configuration from {Source}; the other engines did, and its frontends keep their previous state")]
    private partial void LogEngineApplyFailed(Exception exception, string engine, string source);

    [LoggerMessage(EventId = CoreLogEvents.HostNameChangeFailed, EventName = nameof(CoreLogEvents.HostNameChangeFailed), Level = LogLevel.Error, Message = "Host names resolved to new addresses that could not be applied; the previous servers stay in force")]
    private partial void LogHostNameChangeFailed(Exception exception);

    [LoggerMessage(EventId = CoreLogEvents.FrontendNotListening, EventName = nameof(CoreLogEvents.FrontendNotListening), Level = LogLevel.Error, Message = "Frontend {Frontend} cannot listen on {EndPoint}: {Reason}. The rest of the reload is applied; the frontend is retried every few seconds until it listens or a reload removes or changes it")]
    private partial void LogFrontendNotListening(string frontend, System.Net.IPEndPoint endPoint, string reason);

    [LoggerMessage(EventId = CoreLogEvents.EngineCannotForward, EventName = nameof(CoreLogEvents.EngineCannotForward), Level = LogLevel.Error, Message = "Engine {Engine} cannot apply the reload: {Reason}. Its frontends keep their previous state; the other engines applied it")]
    private partial void LogEngineCannotForward(string engine, string reason);

    [LoggerMessage(EventId = CoreLogEvents.ReloadFailed, EventName = nameof(CoreLogEvents.ReloadFailed), Level = LogLevel.Error, Message = "Reload failed; the previous configuration stays in force")]
    private partial void LogReloadFailed(Exception exception);

    private readonly record struct ReloadTriggers(IChangeToken Changed, CancellationToken Requested);
}
