using Convey.Forwarding;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Logging;

namespace Convey.Health;

/// <summary>
/// Runs one health monitor per live pool and keeps the set in line with each applied snapshot: a new pool
/// gets a monitor (whose first round probes every server at once), a removed pool's monitor stops, a kept pool's
/// monitor adopts its new settings and probes the servers the reload added, both at once.
/// </summary>
internal sealed class HealthCoordinator : IAsyncDisposable, IDisposable
{
    private readonly Lock _lock = new();
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConveyMetrics _metrics;
    private readonly Dictionary<BackendPool, HealthMonitor> _monitors = new(ReferenceEqualityComparer.Instance);
    private readonly List<Task> _stopping = [];
    private bool _stopped;

    /// <summary>Creates the coordinator; resolved from DI.</summary>
    /// <remarks>Monitors log health transitions through <paramref name="logger"/>.</remarks>
    public HealthCoordinator(IHealthProbe probe, TimeProvider time, ILogger<HealthCoordinator> logger, ConveyMetrics metrics)
    {
        _probe = probe;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The pools being monitored now.</summary>
    public IReadOnlyCollection<BackendPool> MonitoredPools
    {
        get
        {
            lock (_lock)
            {
                return [.. _monitors.Keys];
            }
        }
    }

    /// <summary>Raised when a monitor is created, just before it starts; tests use it to reach the monitor.</summary>
    internal event Action<HealthMonitor>? MonitorCreated;

    /// <summary>Starts monitors for new pools, stops those of removed pools, and tells kept ones to adopt their settings.</summary>
    public void Apply(RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var live = new HashSet<BackendPool>(snapshot.Pools.Values, ReferenceEqualityComparer.Instance);
            foreach (var (pool, monitor) in _monitors.ToList())
            {
                if (!live.Contains(pool))
                {
                    _monitors.Remove(pool);
                    _stopping.Add(monitor.DisposeAsync().AsTask());
                }
            }

            foreach (var pool in live)
            {
                if (_monitors.TryGetValue(pool, out var monitor))
                {
                    monitor.Reschedule();
                    monitor.ProbeArrivals();
                    continue;
                }

                monitor = new HealthMonitor(pool, _probe, _time, _logger, _metrics);
                _monitors.Add(pool, monitor);
                MonitorCreated?.Invoke(monitor);
                monitor.Start();
            }

            _stopping.RemoveAll(t => t.IsCompleted);
        }
    }

    /// <summary>Stops every monitor; returns when their current rounds have ended.</summary>
    public async Task StopAsync()
    {
        List<Task> stopping;
        lock (_lock)
        {
            _stopped = true;
            stopping = [.. _stopping, .. _monitors.Values.Select(m => m.DisposeAsync().AsTask())];
            _monitors.Clear();
            _stopping.Clear();
        }

        await Task.WhenAll(stopping).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    /// <summary>Tells every monitor to stop, without waiting for their current rounds.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
            foreach (var monitor in _monitors.Values)
            {
                monitor.Cancel();
            }

            _monitors.Clear();
        }
    }
}
