using System.Diagnostics;
using System.Diagnostics.Metrics;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// Convey's instruments, on a <see cref="Meter"/> named <c>Convey</c>. Connection and byte counts are observable
/// instruments that read the live counters of the runtime's current frontends and servers at collection time,
/// so the forwarding hot path only increments plain counters. Events (health transitions, reloads, connection
/// durations) are recorded as they happen. Names follow OpenTelemetry conventions; see docs/architecture.md.
/// </summary>
public sealed class ConveyMetrics : IDisposable
{
    /// <summary>The name of Convey's meter.</summary>
    public const string MeterName = "Convey";

    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

    private readonly ConveyRuntime _runtime;
    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _healthTransitions;
    private readonly Counter<long> _reloads;
    private readonly Counter<long> _healthCheckFailures;
    private readonly Histogram<double> _connectionDuration;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    internal ConveyMetrics(IMeterFactory meterFactory, ConveyRuntime runtime)
        : this(Create(meterFactory), runtime, owned: false)
    {
    }

    private ConveyMetrics(Meter meter, ConveyRuntime runtime, bool owned)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        _runtime = runtime;
        _ownedMeter = owned ? meter : null;
        Meter = meter;

        meter.CreateObservableUpDownCounter("convey.frontend.active_connections", ObserveFrontends(f => f.ActiveConnections),
            "{connection}", "Client connections or flows open now, per frontend.");
        meter.CreateObservableCounter("convey.frontend.connections", ObserveFrontends(f => f.TotalConnections),
            "{connection}", "Client connections or flows accepted, per frontend.");
        meter.CreateObservableCounter("convey.frontend.refused_connections", ObserveFrontends(f => f.RefusedConnections),
            "{connection}", "Client connections refused (limit reached or no server available), per frontend.");
        meter.CreateObservableCounter("convey.frontend.rejected_connections", ObserveFrontends(f => f.RejectedConnections),
            "{connection}", "Client connections closed by a connection inspector (no valid PROXY header, no valid TLS ClientHello with no_client_hello = reject), per frontend.");
        meter.CreateObservableCounter("convey.frontend.connect_failures", ObserveFrontends(f => f.ConnectFailures),
            "{connection}", "Proxied connection attempts to servers that failed (refused, timed out, unreachable), per frontend.");
        meter.CreateObservableCounter("convey.frontend.retries", ObserveFrontends(f => f.Retries),
            "{connection}", "Proxied connection attempts repeated on another server after a connect failure, per frontend.");
        meter.CreateObservableGauge("convey.frontend.listening", ObserveFrontends(f => f.IsListening ? 1 : 0),
            "1", "1 when the frontend's engine receives its traffic (its socket is bound, or its capture is set up), 0 when it cannot (address in use, not local, no permission) or has not tried yet.");
        meter.CreateObservableCounter("convey.frontend.io", ObserveFrontendBytes,
            "By", "Bytes received from (network.io.direction=receive) and sent to (transmit) clients, per frontend.");
        meter.CreateObservableCounter("convey.frontend.datagrams", ObserveFrontendDatagrams,
            "{datagram}", "Datagrams received from (network.io.direction=receive) and sent to (transmit) clients, per UDP frontend.");
        meter.CreateObservableCounter("convey.frontend.dropped_datagrams", ObserveDroppedDatagrams,
            "{datagram}", "Datagrams a UDP frontend dropped, per convey.drop.reason (session_limit, no_server, server_unreachable, send_failed).");

        meter.CreateObservableUpDownCounter("convey.server.active_connections", ObserveServers(s => s.ActiveConnections),
            "{connection}", "Connections or flows open to a server now.");
        meter.CreateObservableCounter("convey.server.connections", ObserveServers(s => s.TotalConnections),
            "{connection}", "Connections or flows opened to a server.");
        meter.CreateObservableCounter("convey.server.connect_failures", ObserveServers(s => s.ConnectFailures),
            "{connection}", "Connection attempts to a server that failed.");
        meter.CreateObservableCounter("convey.server.io", ObserveServerBytes,
            "By", "Bytes received from (network.io.direction=receive) and sent to (transmit) a server.");
        meter.CreateObservableGauge("convey.server.healthy", ObserveServers(s => s.IsHealthy ? 1 : 0),
            "1", "1 when health checks consider the server up, 0 when down.");
        meter.CreateObservableGauge("convey.server.weight", ObserveServers(s => (long)s.Weight),
            "1", "The server's configured weight.");

        _healthTransitions = meter.CreateCounter<long>("convey.server.health_transitions",
            "{transition}", "Changes of a server's health (convey.health.state = up or down; convey.health.source = probe or passive).");
        _healthCheckFailures = meter.CreateCounter<long>("convey.health.check_failures",
            "{failure}", "Health checking that failed itself, not a server (convey.health.source = probe for a whole round, passive for an engine's report); logged and survived.");
        _reloads = meter.CreateCounter<long>("convey.config.reloads",
            "{reload}", "Configuration reloads (convey.reload.result = applied, partial when an engine failed to apply it, or refused).");
        _connectionDuration = meter.CreateHistogram("convey.connection.duration", "s",
            "Duration of client connections or flows, per frontend and pool.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
    }

    /// <summary>The meter holding Convey's instruments.</summary>
    internal Meter Meter { get; }

    /// <summary>Creates the instruments on a meter of their own, for when no <see cref="IMeterFactory"/> is registered.</summary>
    internal static ConveyMetrics CreateStandalone(ConveyRuntime runtime) => new(new Meter(MeterName), runtime, owned: true);

    /// <summary>Records the duration of a finished client connection or flow; engines call it when a flow ends.</summary>
    internal void RecordConnectionDuration(FrontendState frontend, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(frontend);
        if (_connectionDuration.Enabled)
        {
            _connectionDuration.Record(duration.TotalSeconds,
                new KeyValuePair<string, object?>(ConveyMetricTags.Frontend, frontend.Name),
                new KeyValuePair<string, object?>(ConveyMetricTags.Pool, frontend.Pool.Name));
        }
    }

    /// <summary>Counts a change of a server's health.</summary>
    internal void RecordHealthTransition(BackendPool pool, ServerState server, bool healthy, HealthTransitionSource source)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(server);
        var tags = ServerTags(pool, server);
        tags.Add(ConveyMetricTags.HealthState, healthy ? "up" : "down");
        tags.Add(ConveyMetricTags.HealthSource, HealthSourceName(source));
        _healthTransitions.Add(1, tags);
    }

    /// <summary>Counts health checking of <paramref name="pool"/> that failed itself: a whole round, or applying an engine's report.</summary>
    internal void RecordHealthCheckFailure(BackendPool pool, HealthTransitionSource source)
    {
        ArgumentNullException.ThrowIfNull(pool);
        _healthCheckFailures.Add(1,
            new KeyValuePair<string, object?>(ConveyMetricTags.Pool, pool.Name),
            new KeyValuePair<string, object?>(ConveyMetricTags.HealthSource, HealthSourceName(source)));
    }

    /// <summary>Counts a configuration snapshot that was applied.</summary>
    internal void RecordReloadApplied() =>
        _reloads.Add(1, new KeyValuePair<string, object?>(ConveyMetricTags.ReloadResult, "applied"));

    /// <summary>Counts a configuration snapshot that the runtime applied but at least one engine failed to apply.</summary>
    internal void RecordReloadPartiallyApplied() =>
        _reloads.Add(1, new KeyValuePair<string, object?>(ConveyMetricTags.ReloadResult, "partial"));

    /// <summary>Counts a configuration snapshot that was refused (the previous one stays in force).</summary>
    internal void RecordReloadRefused() =>
        _reloads.Add(1, new KeyValuePair<string, object?>(ConveyMetricTags.ReloadResult, "refused"));

    /// <inheritdoc />
    internal void Dispose() => _ownedMeter?.Dispose();

    void IDisposable.Dispose() => Dispose();

    private static Meter Create(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        return meterFactory.Create(MeterName);
    }

    private static string HealthSourceName(HealthTransitionSource source) =>
        source == HealthTransitionSource.Probe ? "probe" : "passive";

    private static TagList FrontendTags(FrontendState frontend) =>
        new() { { ConveyMetricTags.Frontend, frontend.Name } };

    private static TagList ServerTags(BackendPool pool, ServerState server) => new()
    {
        { ConveyMetricTags.Pool, pool.Name },
        { ConveyMetricTags.ServerAddress, server.Address.Address.ToString() },
        { ConveyMetricTags.ServerPort, server.Address.Port },
    };

    private Func<IEnumerable<Measurement<long>>> ObserveFrontends(Func<FrontendState, long> read) => () =>
        _runtime.Current.Frontends.Values.Select(f => new Measurement<long>(read(f), FrontendTags(f)));

    private Func<IEnumerable<Measurement<long>>> ObserveServers(Func<ServerState, long> read) => () =>
        _runtime.Current.Pools.Values.SelectMany(p => p.Servers.Select(s => new Measurement<long>(read(s), ServerTags(p, s))));

    private IEnumerable<Measurement<long>> ObserveFrontendBytes()
    {
        foreach (var frontend in _runtime.Current.Frontends.Values)
        {
            var tags = FrontendTags(frontend);
            yield return new Measurement<long>(frontend.BytesToServer, WithDirection(tags, "receive"));
            yield return new Measurement<long>(frontend.BytesToClient, WithDirection(tags, "transmit"));
        }
    }

    private IEnumerable<FrontendState> UdpFrontends() =>
        _runtime.Current.Frontends.Values.Where(f => f.Config.Protocol == FrontendProtocol.Udp);

    private IEnumerable<Measurement<long>> ObserveFrontendDatagrams()
    {
        foreach (var frontend in UdpFrontends())
        {
            var tags = FrontendTags(frontend);
            yield return new Measurement<long>(frontend.Datagrams.ToServer, WithDirection(tags, "receive"));
            yield return new Measurement<long>(frontend.Datagrams.ToClient, WithDirection(tags, "transmit"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveDroppedDatagrams()
    {
        foreach (var frontend in UdpFrontends())
        {
            foreach (var reason in Enum.GetValues<DatagramDropReason>())
            {
                var tags = FrontendTags(frontend);
                tags.Add(ConveyMetricTags.DropReason, DatagramCounters.ReasonNames[(int)reason]);
                yield return new Measurement<long>(frontend.Datagrams.Dropped(reason), tags);
            }
        }
    }

    private IEnumerable<Measurement<long>> ObserveServerBytes()
    {
        foreach (var pool in _runtime.Current.Pools.Values)
        {
            foreach (var server in pool.Servers)
            {
                var tags = ServerTags(pool, server);
                yield return new Measurement<long>(server.BytesToClient, WithDirection(tags, "receive"));
                yield return new Measurement<long>(server.BytesToServer, WithDirection(tags, "transmit"));
            }
        }
    }

    private static TagList WithDirection(TagList tags, string direction)
    {
        tags.Add(ConveyMetricTags.NetworkIoDirection, direction);
        return tags;
    }
}
