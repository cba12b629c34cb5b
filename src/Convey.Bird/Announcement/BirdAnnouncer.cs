using Convey.Bird.Control;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Convey.Bird.Announcement;

/// <summary>
/// Announces the service address through BIRD while the instance is fit to serve (<see cref="ServingFitness"/>):
/// every second it compares what should be (fit, a crash guard armed, not stopping) with the state of the
/// <c>[announce]</c> protocol in BIRD, and enables or disables the protocol over the control socket when they differ;
/// so a BIRD restarted with the protocol disabled, or a protocol disabled by hand, is put right within a second.
/// On stop it disables the protocol before anything else stops and keeps serving for <c>withdraw_delay</c> while the
/// router withdraws the route; only then does the host go on to drain. A <see cref="CrashGuard"/> withdraws the route
/// if the process dies without a word.
/// </summary>
internal sealed partial class BirdAnnouncer : IHostedLifecycleService, IAnnounceStatsSource, IAsyncDisposable
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(3);
    private readonly ConveyRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger<BirdAnnouncer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private AnnounceSettings? _settings;
    private BirdClient? _client;
    private CrashGuard? _guard;
    private string? _guardProblem;
    private string _state = AnnounceState.Unknown;
    private DateTimeOffset _since;
    private string? _reason;
    private bool _fit;
    private BirdReply? _lastReply;
    private DateTimeOffset? _lastReplyTime;
    private string? _lastError;
    private AnnounceStats? _stats;
    private int _disposed;

    public BirdAnnouncer(ConveyRuntime runtime, TimeProvider time, ILogger<BirdAnnouncer> logger)
    {
        _runtime = runtime;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    public AnnounceStats? Capture() => Volatile.Read(ref _stats);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts checking once every hosted service has started: the configuration is applied, the engines listen.</summary>
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Runs before any hosted service stops, so before the engines drain: disables the protocol, then waits
    /// <c>withdraw_delay</c> while the engines still serve, then stands the crash guard down.
    /// </summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_settings is not { } settings || _client is not { } client)
        {
            return;
        }

        var wasWithdrawn = _state == AnnounceState.Withdrawn;
        var withdrawn = false;
        try
        {
            Record(await client.DisableAsync(settings.Protocol, cancellationToken).ConfigureAwait(false));
            withdrawn = true;
            SetState(AnnounceState.Withdrawn, "stopping");
            if (!wasWithdrawn)
            {
                LogWithdrawnForStop(settings.Protocol, settings.BirdSocket, settings.WithdrawDelay.TotalSeconds);
                await Task.Delay(settings.WithdrawDelay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (BirdException ex)
        {
            RecordFailure(ex);
            LogStopWithdrawFailed(settings.Protocol, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown deadline ran out: it drains now.
        }

        if (withdrawn && _guard is { } guard)
        {
            await guard.ReleaseAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as IHostedService, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_client is { } client)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        // Not released unless the route was withdrawn on stop: a guard still waiting fires, as at a crash.
        _guard?.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stopping).ConfigureAwait(false);
                await Task.Delay(CheckInterval, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>One round: follows a change of <c>[announce]</c>, arms the guard, then brings BIRD to what should be.</summary>
    internal async Task CheckAsync(CancellationToken cancellationToken)
    {
        var settings = AnnounceSettings.Of(_runtime.Current.Config);
        if (settings != _settings)
        {
            await RetireAsync(cancellationToken).ConfigureAwait(false);
            _settings = settings;
            if (settings is null)
            {
                Volatile.Write(ref _stats, null);
                return;
            }

            _client = new BirdClient(settings.BirdSocket, CommandTimeout);
            _state = AnnounceState.Unknown;
            _since = _time.GetUtcNow();
        }

        if (settings is null || _client is not { } client)
        {
            return;
        }

        var unfit = ServingFitness.Check(_runtime.Current);
        _fit = unfit is null;
        var reason = unfit ?? (await ArmGuardAsync(settings, cancellationToken).ConfigureAwait(false) ? null : $"no crash guard: {_guardProblem}");
        try
        {
            var status = await client.ShowAsync(settings.Protocol, cancellationToken).ConfigureAwait(false);
            var state = status.IsEnabled ? AnnounceState.Announced : AnnounceState.Withdrawn;
            if (reason is null && !status.IsEnabled)
            {
                Record(await client.EnableAsync(settings.Protocol, cancellationToken).ConfigureAwait(false));
                state = AnnounceState.Announced;
            }
            else if (reason is not null && status.IsEnabled)
            {
                Record(await client.DisableAsync(settings.Protocol, cancellationToken).ConfigureAwait(false));
                state = AnnounceState.Withdrawn;
            }

            if (_lastError is not null)
            {
                _lastError = null;
                LogBirdReachable(settings.BirdSocket);
            }

            SetState(state, reason);
        }
        catch (BirdException ex)
        {
            RecordFailure(ex);
            SetState(AnnounceState.Unknown, reason);
        }
    }

    /// <summary>Keeps a crash guard running for the current settings; false (with <see cref="_guardProblem"/>) when none can run.</summary>
    private async Task<bool> ArmGuardAsync(AnnounceSettings settings, CancellationToken cancellationToken)
    {
        if (_guard is { IsRunning: true })
        {
            return true;
        }

        if (_guard is { } ended)
        {
            LogCrashGuardEnded(ended.Pid);
            ended.Dispose();
            _guard = null;
        }

        try
        {
            _guard = await CrashGuard.StartAsync(settings.BirdCl, settings.BirdSocket, settings.Protocol, cancellationToken).ConfigureAwait(false);
            _guardProblem = null;
            LogCrashGuardArmed(_guard.Pid, settings.Protocol, settings.BirdSocket);
            return true;
        }
        catch (InvalidOperationException ex)
        {
            if (_guardProblem != ex.Message)
            {
                LogCrashGuardUnavailable(ex.Message);
            }

            _guardProblem = ex.Message;
            return false;
        }
    }

    /// <summary>Withdraws the route of settings a reload replaced or removed, and stands their guard down.</summary>
    private async Task RetireAsync(CancellationToken cancellationToken)
    {
        if (_settings is not { } settings || _client is not { } client)
        {
            return;
        }

        var withdrawn = _state == AnnounceState.Withdrawn;
        if (!withdrawn)
        {
            try
            {
                Record(await client.DisableAsync(settings.Protocol, cancellationToken).ConfigureAwait(false));
                withdrawn = true;
                SetState(AnnounceState.Withdrawn, "[announce] changed");
            }
            catch (BirdException ex)
            {
                RecordFailure(ex);
            }
        }

        if (_guard is { } guard)
        {
            // Released only once withdrawn; otherwise it fires now and tries the disable once more.
            if (withdrawn)
            {
                await guard.ReleaseAsync(cancellationToken).ConfigureAwait(false);
            }

            guard.Dispose();
            _guard = null;
        }

        await client.DisposeAsync().ConfigureAwait(false);
        _client = null;
        _lastError = null;
        _lastReply = null;
        _lastReplyTime = null;
    }

    private void Record(BirdReply reply)
    {
        _lastReply = reply;
        _lastReplyTime = _time.GetUtcNow();
    }

    private void RecordFailure(BirdException ex)
    {
        if (ex.Reply is { } reply)
        {
            Record(reply);
        }

        if (_lastError != ex.Message)
        {
            if (ex.Reply is null)
            {
                LogBirdUnreachable(ex.Message);
            }
            else
            {
                LogBirdRefused(ex.Message);
            }
        }

        _lastError = ex.Message;
    }

    private void SetState(string state, string? reason)
    {
        var settings = _settings!;
        if (state != _state)
        {
            _state = state;
            _since = _time.GetUtcNow();
            if (state == AnnounceState.Announced)
            {
                LogAnnounced(settings.Protocol, settings.BirdSocket, _lastReply?.Text ?? "already enabled");
            }
            else if (state == AnnounceState.Withdrawn && reason != "stopping")
            {
                LogWithdrawn(settings.Protocol, settings.BirdSocket, reason ?? "disabled in BIRD", _lastReply?.Text ?? "already disabled");
            }
        }

        _reason = state == AnnounceState.Announced ? null : reason ?? _lastError;
        Volatile.Write(ref _stats, new AnnounceStats
        {
            Protocol = settings.Protocol,
            BirdSocket = settings.BirdSocket,
            State = _state,
            Since = _since,
            Fit = _fit,
            Reason = _reason,
            LastReply = _lastReply?.Text,
            LastReplyTime = _lastReplyTime,
            LastError = _lastError,
            CrashGuard = _guard is { IsRunning: true } guard
                ? $"armed, pid {guard.Pid}"
                : _guardProblem ?? "not running: it is started once the instance is fit to serve, and stood down on stop",
        });
    }

    [LoggerMessage(EventId = BirdLogEvents.Announced, EventName = nameof(BirdLogEvents.Announced), Level = LogLevel.Information, Message = "Announced: BIRD protocol {Protocol} enabled on {Socket} ({Reply})")]
    private partial void LogAnnounced(string protocol, string socket, string reply);

    [LoggerMessage(EventId = BirdLogEvents.Withdrawn, EventName = nameof(BirdLogEvents.Withdrawn), Level = LogLevel.Warning, Message = "Withdrawn: BIRD protocol {Protocol} disabled on {Socket}, because {Reason} ({Reply})")]
    private partial void LogWithdrawn(string protocol, string socket, string reason, string reply);

    [LoggerMessage(EventId = BirdLogEvents.WithdrawnForStop, EventName = nameof(BirdLogEvents.WithdrawnForStop), Level = LogLevel.Information, Message = "Stopping: BIRD protocol {Protocol} disabled on {Socket}; serving on for {Seconds} s while the route is withdrawn, then draining")]
    private partial void LogWithdrawnForStop(string protocol, string socket, double seconds);

    [LoggerMessage(EventId = BirdLogEvents.BirdUnreachable, EventName = nameof(BirdLogEvents.BirdUnreachable), Level = LogLevel.Error, Message = "Cannot talk to BIRD: {Error}. Tried again every second; meanwhile the route stays as BIRD has it")]
    private partial void LogBirdUnreachable(string error);

    [LoggerMessage(EventId = BirdLogEvents.BirdRefused, EventName = nameof(BirdLogEvents.BirdRefused), Level = LogLevel.Error, Message = "{Error}. Tried again every second; check [announce] protocol against bird.conf")]
    private partial void LogBirdRefused(string error);

    [LoggerMessage(EventId = BirdLogEvents.BirdReachable, EventName = nameof(BirdLogEvents.BirdReachable), Level = LogLevel.Information, Message = "BIRD answers again on {Socket}")]
    private partial void LogBirdReachable(string socket);

    [LoggerMessage(EventId = BirdLogEvents.StopWithdrawFailed, EventName = nameof(BirdLogEvents.StopWithdrawFailed), Level = LogLevel.Error, Message = "Stopping: could not disable BIRD protocol {Protocol}: {Error}. Draining now; the crash guard tries once more as the process ends")]
    private partial void LogStopWithdrawFailed(string protocol, string error);

    [LoggerMessage(EventId = BirdLogEvents.CrashGuardArmed, EventName = nameof(BirdLogEvents.CrashGuardArmed), Level = LogLevel.Information, Message = "Crash guard armed (pid {Pid}): if this process dies without withdrawing, it disables BIRD protocol {Protocol} on {Socket}")]
    private partial void LogCrashGuardArmed(int pid, string protocol, string socket);

    [LoggerMessage(EventId = BirdLogEvents.CrashGuardUnavailable, EventName = nameof(BirdLogEvents.CrashGuardUnavailable), Level = LogLevel.Error, Message = "No crash guard: {Reason} The route is not announced without one (a dead instance would keep drawing traffic)")]
    private partial void LogCrashGuardUnavailable(string reason);

    [LoggerMessage(EventId = BirdLogEvents.CrashGuardEnded, EventName = nameof(BirdLogEvents.CrashGuardEnded), Level = LogLevel.Warning, Message = "The crash guard (pid {Pid}) ended (killed?); the route is withdrawn until a new guard is armed")]
    private partial void LogCrashGuardEnded(int pid);
}
