using System.Net;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Logging;

namespace Convey.Health;

/// <summary>
/// Checks the servers of one pool: every interval (±<see cref="JitterFraction"/>, counted from the start of the
/// previous round) it probes all non-draining servers in parallel, each within the pool's probe timeout. A server
/// new to the pool is <see cref="ServerHealth.Pending"/> until its first probe, which decides: pass and it is up,
/// fail and it is down. The monitor's first round probes every server at once, and a reload that adds servers to
/// the pool has them probed at once too (<see cref="ProbeArrivals"/>). After that a server goes down after
/// <see cref="HealthCheckConfig.Fall"/> consecutive failures and comes back after
/// <see cref="HealthCheckConfig.Rise"/> consecutive successful probes. Connect failures reported by an engine
/// (<see cref="BackendPool.ReportConnectFailure"/>) count as failures too, at most one per server per
/// <see cref="PassiveReportSpacing"/>, so a dead server leaves selection before its next probe but no burst of
/// reports can flap a pool; only probes bring a server back. Settings are read from the pool at each round, so a
/// reload that changes them takes effect without restarting the monitor.
/// <para>
/// Probe outcomes and engines' reports alike are posted to one <see cref="HealthReportQueue"/> and applied by its
/// reader, never on the thread that observed them: an engine's report costs its event loop or packet worker a
/// timestamp, a compare-and-swap and a queue write. The reader counts, flips, logs and records metrics, then
/// rebuilds the pool's selector once per batch that changed a server's health, resting after each rebuild so that
/// rebuilding takes at most a tenth of a core however fast the servers flap.
/// </para>
/// </summary>
internal sealed partial class HealthMonitor : IAsyncDisposable
{
    /// <summary>Each wait between rounds is the interval times a random factor in [1 - this, 1 + this].</summary>
    internal const double JitterFraction = 0.1;

    /// <summary>At most one connect failure reported by an engine counts per server within this time.</summary>
    internal static readonly TimeSpan PassiveReportSpacing = TimeSpan.FromSeconds(1);

    private static readonly HealthProbeResult ReportedConnectFailure = HealthProbeResult.Unhealthy("connect failure reported by an engine");

    private readonly BackendPool _pool;
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConveyMetrics _metrics;
    private readonly Func<double> _random;
    private readonly ConcurrentDictionary<ServerState, ServerHealthCounter> _counters = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<ServerState, byte> _probing = new(ReferenceEqualityComparer.Instance);
    private readonly HealthReportQueue _reports;
    private readonly long _passiveSpacing;
    private readonly CancellationTokenSource _stopping = new();
    private CancellationTokenSource _reschedule = new();
    private Task _loop = Task.CompletedTask;
    private Task _arrivals = Task.CompletedTask;
    // Read and written by the report reader only: what caused the last change of the batch being applied.
    private HealthTransitionSource _lastChangeSource;

    public HealthMonitor(BackendPool pool, IHealthProbe probe, TimeProvider time, ILogger logger, ConveyMetrics metrics, Func<double>? random = null)
    {
        _pool = pool;
        _probe = probe;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _random = random ?? Random.Shared.NextDouble;
        _passiveSpacing = (long)(PassiveReportSpacing.TotalSeconds * time.TimestampFrequency);
        _reports = new HealthReportQueue(Apply, RebuildSelection, time);
    }

    /// <summary>The pool this monitor checks.</summary>
    public BackendPool Pool => _pool;

    /// <summary>Raised when the wait for the next round has begun (its timer is armed); lets tests advance a fake clock safely.</summary>
    internal event Action? WaitingForNextRound;

    /// <summary>The time to wait between two rounds, for a uniform <paramref name="sample"/> in [0, 1).</summary>
    internal static TimeSpan NextDelay(TimeSpan interval, double sample) =>
        interval * (1 - JitterFraction + (2 * JitterFraction * sample));

    /// <summary>Starts probing (the first round runs at once) and listening for passive failures.</summary>
    public void Start()
    {
        _pool.ConnectFailureReported += OnConnectFailureReported;
        _loop = Task.Run(() => RunAsync(_stopping.Token));
    }

    /// <summary>Makes the monitor re-read its pool's interval now, rather than after the wait already begun.</summary>
    public void Reschedule() => Interlocked.Exchange(ref _reschedule, new CancellationTokenSource()).Cancel();

    /// <summary>
    /// Probes now every pending server (added by a reload) that no probe is checking yet, rather than at the next
    /// round: until its first probe passes it takes no new flows. A probe that answers at once has decided by the
    /// time this returns. Called by one thread at a time (the coordinator, under its lock).
    /// </summary>
    public void ProbeArrivals()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        var settings = _pool.Config.HealthCheck;
        var probes = new List<Task>();
        foreach (var server in _pool.Servers)
        {
            if (server.IsPending && !server.IsDraining)
            {
                probes.Add(ProbeAsync(server, settings, _stopping.Token));
            }
        }

        if (probes.Count > 0)
        {
            var previous = _arrivals;
            _arrivals = previous.IsCompleted ? Task.WhenAll(probes) : Task.WhenAll([previous, .. probes]);
        }
    }

    /// <summary>Stops probing and taking reports without waiting: the reports already queued are applied in the background.</summary>
    public void Cancel()
    {
        _pool.ConnectFailureReported -= OnConnectFailureReported;
        _stopping.Cancel();
        _reports.Complete();
    }

    /// <summary>Stops probing and taking reports; returns when the current round has ended and the reports already queued are applied.</summary>
    public async Task StopAsync()
    {
        _pool.ConnectFailureReported -= OnConnectFailureReported;
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _arrivals.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _reports.CompleteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Completes when every report posted so far (probe outcomes and engines' reports) is applied and the selector rebuilt.</summary>
    internal Task ReportsAppliedAsync() => _reports.AppliedAsync();

    /// <summary>Probes every non-draining server of the pool once, in parallel; returns when the outcomes are applied.</summary>
    internal async Task ProbeRoundAsync(CancellationToken stopping)
    {
        var servers = _pool.Servers;
        ForgetRemovedServers(servers);
        var settings = _pool.Config.HealthCheck;
        var probes = new List<Task>(servers.Length);
        foreach (var server in servers)
        {
            if (!server.IsDraining)
            {
                probes.Add(ProbeAsync(server, settings, stopping));
            }
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
        await _reports.AppliedAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var started = _time.GetTimestamp();
            try
            {
                await ProbeRoundAsync(stopping).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // A failed round must not end health checking; it is logged and the next round runs.
            catch (Exception ex) when (!stopping.IsCancellationRequested)
#pragma warning restore CA1031
            {
                _metrics.RecordHealthCheckFailure(_pool, HealthTransitionSource.Probe);
                LogRoundFailed(ex, _pool.Name);
            }

            await WaitForNextRoundAsync(started, stopping).ConfigureAwait(false);
        }
    }

    private async Task WaitForNextRoundAsync(long roundStarted, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var reschedule = Volatile.Read(ref _reschedule).Token;
            var remaining = NextDelay(_pool.Config.HealthCheck.Interval, _random()) - _time.GetElapsedTime(roundStarted);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stopping, reschedule);
            var delay = Task.Delay(remaining, _time, wake.Token);
            WaitingForNextRound?.Invoke();
            try
            {
                await delay.ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                // Stopped (the loop ends) or rescheduled (wait again with the pool's current interval).
            }
        }
    }

    private async Task ProbeAsync(ServerState server, HealthCheckConfig settings, CancellationToken stopping)
    {
        // One probe per server at a time: a round that starts while a new server's first probe runs leaves it be.
        if (!_probing.TryAdd(server, 0))
        {
            return;
        }

        try
        {
            await ProbeOnceAsync(server, settings, stopping).ConfigureAwait(false);
        }
        finally
        {
            _probing.TryRemove(server, out _);
        }
    }

    private async Task ProbeOnceAsync(ServerState server, HealthCheckConfig settings, CancellationToken stopping)
    {
        HealthProbeResult result;
        using var timeout = new CancellationTokenSource(settings.Timeout, _time);
        using var probeToken = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        try
        {
            // WaitAsync ends the wait at the timeout even when a probe ignores its token.
            result = await Probe(server.Address, settings, probeToken.Token).AsTask().WaitAsync(probeToken.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            result = HealthProbeResult.Unhealthy(string.Create(CultureInfo.InvariantCulture, $"no answer within {settings.Timeout.TotalSeconds:0.###} s"));
        }
#pragma warning disable CA1031 // A probe that throws is a failed probe, not a failed monitor.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            result = HealthProbeResult.Unhealthy(ex.Message);
        }

        if (!stopping.IsCancellationRequested)
        {
            _reports.TryPost(new ServerHealthReport(server, result, HealthTransitionSource.Probe));
        }
    }

    /// <summary>The pool's kind of probe (<see cref="HealthCheckConfig.Kind"/>), at its probe port when it names one.</summary>
    private ValueTask<HealthProbeResult> Probe(IPEndPoint server, HealthCheckConfig settings, CancellationToken cancellationToken)
    {
        var address = settings.Port == 0 ? server : new IPEndPoint(server.Address, settings.Port);
        return settings.Kind switch
        {
            HealthCheckKind.None => ValueTask.FromResult(HealthProbeResult.Healthy),
            HealthCheckKind.Udp => UdpExchangeProbe.ProbeAsync(address, settings, cancellationToken),
            _ => _probe.ProbeAsync(address, cancellationToken),
        };
    }

    /// <summary>
    /// Runs on the reporting engine's thread (an event loop, a packet worker): admits at most one report per server
    /// per <see cref="PassiveReportSpacing"/> and queues it. No lock, no log, no allocation once the server is known.
    /// </summary>
    private void OnConnectFailureReported(ServerState server)
    {
        if (server.IsDraining)
        {
            return;
        }

        var counter = _counters.GetOrAdd(server, static _ => new ServerHealthCounter());
        if (counter.AdmitPassive(_time.GetTimestamp(), _passiveSpacing))
        {
            _reports.TryPost(new ServerHealthReport(server, ReportedConnectFailure, HealthTransitionSource.Passive));
        }
    }

    /// <summary>Applies one report on the report reader; returns whether the server's health may have changed.</summary>
    private bool Apply(ServerHealthReport report)
    {
        var server = report.Server;
        if (report.Source == HealthTransitionSource.Passive && (server.IsDraining || !_pool.Servers.Contains(server)))
        {
            return false;
        }

        try
        {
            return Record(server, report.Result, report.Source);
        }
#pragma warning disable CA1031 // One report that cannot be applied must not stop the reader: it is logged and counted.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.RecordHealthCheckFailure(_pool, report.Source);
            if (report.Source == HealthTransitionSource.Passive)
            {
                LogPassiveReportFailed(ex, _pool.Name, server.Name);
            }
            else
            {
                LogProbeOutcomeFailed(ex, _pool.Name, server.Name);
            }

            // The health may have flipped before the failure (a listener of the change threw): rebuild to be sure.
            _lastChangeSource = report.Source;
            return true;
        }
    }

    private bool Record(ServerState server, HealthProbeResult result, HealthTransitionSource source)
    {
        var settings = _pool.Config.HealthCheck;
        var counter = _counters.GetOrAdd(server, static _ => new ServerHealthCounter());
        var change = result.IsHealthy
            ? counter.Succeeded(server.Health, settings.Rise)
            : counter.Failed(server.Health, settings.Fall, result.Failure, source);
        if (change is null || !server.SetHealthy(change.Value.Healthy))
        {
            return false;
        }

        _lastChangeSource = change.Value.Source;
        var address = server.Address.ToString();
        if (change.Value.Healthy)
        {
            LogServerUp(_pool.Name, server.Name, address, change.Value.Reason);
        }
        else
        {
            LogServerDown(_pool.Name, server.Name, address, change.Value.Reason);
        }

        _metrics.RecordHealthTransition(_pool, server, change.Value.Healthy, change.Value.Source);
        return true;
    }

    /// <summary>Runs on the report reader once per batch that changed a server's health.</summary>
    private void RebuildSelection()
    {
        try
        {
            _pool.RefreshSelection();
        }
#pragma warning disable CA1031 // A selector that fails to rebuild must not stop the reader: it is logged and counted.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.RecordHealthCheckFailure(_pool, _lastChangeSource);
            LogSelectionRebuildFailed(ex, _pool.Name);
        }
    }

    private void ForgetRemovedServers(ImmutableArray<ServerState> servers)
    {
        if (_counters.IsEmpty)
        {
            return;
        }

        var live = new HashSet<ServerState>(servers, ReferenceEqualityComparer.Instance);
        foreach (var server in _counters.Keys)
        {
            if (server.IsDraining || !live.Contains(server))
            {
                _counters.TryRemove(server, out _);
            }
        }
    }

    [LoggerMessage(EventId = CoreLogEvents.ServerDown, EventName = nameof(CoreLogEvents.ServerDown), Level = LogLevel.Warning, Message = "Pool {Pool}: server {Server} ({Address}) is DOWN: {Reason}")]
    private partial void LogServerDown(string pool, string server, string address, string reason);

    [LoggerMessage(EventId = CoreLogEvents.ServerUp, EventName = nameof(CoreLogEvents.ServerUp), Level = LogLevel.Information, Message = "Pool {Pool}: server {Server} ({Address}) is UP: {Reason}")]
    private partial void LogServerUp(string pool, string server, string address, string reason);

    [LoggerMessage(EventId = CoreLogEvents.ConnectFailureNotApplied, EventName = nameof(CoreLogEvents.ConnectFailureNotApplied), Level = LogLevel.Error, Message = "Pool {Pool}: a connect failure reported for server {Server} could not be applied to its health")]
    private partial void LogPassiveReportFailed(Exception exception, string pool, string server);

    [LoggerMessage(EventId = CoreLogEvents.ProbeOutcomeNotApplied, EventName = nameof(CoreLogEvents.ProbeOutcomeNotApplied), Level = LogLevel.Error, Message = "Pool {Pool}: the probe outcome of server {Server} could not be applied to its health")]
    private partial void LogProbeOutcomeFailed(Exception exception, string pool, string server);

    [LoggerMessage(EventId = CoreLogEvents.SelectorRebuildFailed, EventName = nameof(CoreLogEvents.SelectorRebuildFailed), Level = LogLevel.Error, Message = "Pool {Pool}: its selector could not be rebuilt after a health change; the next change tries again")]
    private partial void LogSelectionRebuildFailed(Exception exception, string pool);

    [LoggerMessage(EventId = CoreLogEvents.HealthRoundFailed, EventName = nameof(CoreLogEvents.HealthRoundFailed), Level = LogLevel.Error, Message = "Pool {Pool}: a health-check round failed; the next round runs as planned")]
    private partial void LogRoundFailed(Exception exception, string pool);
}
