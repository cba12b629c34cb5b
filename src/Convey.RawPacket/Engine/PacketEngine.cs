using System.Buffers.Binary;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Convey.Configuration;
using Convey.RawPacket.Packets;
using Convey.Forwarding;
using Convey.Metrics;
using Convey.RawPacket.Firewall;
using Convey.RawPacket.Tracking;
using Convey.Runtime;
using Microsoft.Extensions.Logging;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The forwarding engine of passthrough (NAT) and DSR frontends: receives their packets on AF_PACKET sockets,
/// rewrites them and sends them on. See docs/modes.md for how each mode works and what servers must do.
/// A frontend whose capture or firewall rules cannot be set up is reported on its <see cref="FrontendState"/>
/// and in the <see cref="FrontendListenException"/> that <see cref="ApplyAsync"/> throws after applying the rest,
/// and is retried every 5 seconds until it listens or a reload removes or changes it.
/// </summary>
public sealed partial class PacketEngine : IForwardingEngine, IAsyncDisposable
{
    /// <summary>On stop, the drain also ends once no packet has arrived for this long.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(2);

    /// <summary>How often frontends that could not be set up are tried again.</summary>
    internal static readonly TimeSpan ListenRetryInterval = TimeSpan.FromSeconds(5);

    /// <summary>How often the host's interfaces are read to find uplinks that appeared, came up or went away.</summary>
    internal static readonly TimeSpan InterfaceRescanInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly ILogger<PacketEngine> _logger;
    private readonly TimeProvider _time;
    private readonly ConveyMetrics? _metrics;
    private readonly NftablesFirewall _firewall = new();
    private readonly NeighbourTable _neighbours = new();
    private readonly NextHopTable _nextHops = new();
    private readonly Dictionary<string, ReceiveGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (FrontendState Frontend, DateTimeOffset Deadline)> _draining = new(StringComparer.Ordinal);
    private Dictionary<string, FrontendState> _live = new(StringComparer.Ordinal);
    private RuntimeSnapshot? _last;
    private PacketPipeline? _pipeline;
    private ITimer? _neighbourTimer;
    private string _firewallScript = string.Empty;
    private long _lastRetry;
    private long _lastRescan;
    private HostInterfaces _interfaces = HostInterfaces.Empty;

    /// <summary>Creates the engine; it opens nothing until a snapshot with a passthrough or DSR frontend arrives.</summary>
    /// <param name="logger">Where failures go.</param>
    /// <param name="time">Clock of the connection tracker and the neighbour refresh.</param>
    /// <param name="metrics">Convey's instruments; the engine adds its <c>convey.packet.*</c> ones to their meter.</param>
    public PacketEngine(ILogger<PacketEngine> logger, TimeProvider time, ConveyMetrics? metrics = null)
    {
        _logger = logger;
        _time = time;
        _metrics = metrics;
        if (metrics is not null)
        {
            PacketMetrics.Register(metrics.Meter, this);
        }
    }

    /// <summary>Packet, byte and drop totals since start.</summary>
    public PacketCounters Counters { get; } = new();

    /// <summary>Flows tracked now.</summary>
    public int TrackedFlows => _pipeline?.Tracker.Count ?? 0;

    /// <summary>Flows forgotten because the tracker was full.</summary>
    public long Evictions => _pipeline?.Tracker.Evictions ?? 0;

    /// <summary>Flow directions the in-kernel fast path forwards now.</summary>
    internal int FastPathFlows => _pipeline?.FastPath.Count ?? 0;

    /// <summary>Flows forgotten after their idle timeout or closing linger.</summary>
    public long Expirations => _pipeline?.Tracker.Expirations ?? 0;

    /// <inheritdoc />
    public IReadOnlyCollection<string> Modes { get; } = [PacketSettings.PassthroughMode, PacketSettings.DsrMode];

    /// <inheritdoc />
    public IReadOnlyCollection<string> FrontendKeys { get; } = [PacketSettings.DsrMethodKey, PacketSettings.ManageFirewallKey, PacketSettings.InterfaceKey];

    /// <inheritdoc />
    public IReadOnlyCollection<string> Sections { get; } = [PacketSettings.Section];

    /// <inheritdoc />
    /// <remarks>Maglev: packet-mode flows must stick to a server without state shared between instances or restarts.</remarks>
    public string? DefaultPolicy(string mode) => Handles(mode) ? "maglev" : null;

    /// <inheritdoc />
    /// <remarks>The packet engine forwards IPv4 and IPv6, each to servers of its own family.</remarks>
    public bool KeepsAddressFamily(string mode) => Handles(mode);

    /// <inheritdoc />
    /// <remarks>
    /// Checks dsr_method, manage_firewall and [passthrough], and refuses what the engine cannot serve: servers of another
    /// address family than their frontend's, wildcard and link-local addresses, and pools that send a PROXY header.
    /// </remarks>
    public IEnumerable<ConfigError> Validate(ConveyConfig config) =>
        PacketSettings.Validate(config).Concat(config.Frontends
            .Select(f => (Frontend: f, Mode: PacketSettings.ModeOf(f.Mode)))
            .Where(f => f.Mode is not null)
            .SelectMany(f => PacketFrontendRules.Check(f.Frontend, f.Mode!.Value, config)));

    private static bool Handles(string mode) => PacketSettings.ModeOf(mode) is not null;

    /// <inheritdoc />
    public async Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Sockets are only opened past this guard: AF_PACKET and the libc calls in Interop/ exist on Linux only.
            if (!OperatingSystem.IsLinux())
            {
                var failures = snapshot.Frontends.Values.Where(f => Handles(f.Mode))
                    .Select(f => NotListening(f, "passthrough and DSR frontends need Linux (AF_PACKET)")).ToList();
                if (failures.Count > 0)
                {
                    throw new FrontendListenException(failures);
                }

                return;
            }

            await ApplyCoreAsync(snapshot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>
    /// Refuses new flows at once, lets established ones (those not closing yet) finish until the longest drain
    /// timeout of the engine's frontends, until no packet arrived for <see cref="QuietPeriod"/>, or until
    /// <paramref name="cancellationToken"/> fires; then closes the sockets and removes the firewall table.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var pipeline = _pipeline;
            var managed = _live.Values.Concat(_draining.Values.Select(d => d.Frontend))
                .Where(f => PacketSettings.ManageFirewall(f.Config)).Select(f => f.Config.ListenEndPoint).ToList();
            var grace = _last is null ? TimeSpan.Zero : PacketSettings.EngineOf(_last.Config).RestartGrace;
            if (pipeline is not null && _groups.Count > 0)
            {
                var routes = pipeline.Routes;
                pipeline.Routes = routes.AsDraining();
                var drainTimeout = routes.All.Select(r => r.Frontend.Config.DrainTimeout).DefaultIfEmpty(TimeSpan.Zero).Max();
                await DrainAsync(pipeline.Tracker, drainTimeout, cancellationToken).ConfigureAwait(false);
            }

            foreach (var group in _groups.Values)
            {
                group.Dispose();
            }

            _groups.Clear();
            _draining.Clear();
            _live.Clear();
            if (await LeaveFirewallAsync(managed, grace).ConfigureAwait(false) is { } error)
            {
                LogFirewallRemovalFailed(error);
            }

            pipeline?.Tracker.Clear();
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_neighbourTimer is not null)
        {
            await _neighbourTimer.DisposeAsync().ConfigureAwait(false);
        }

        _pipeline?.Tracker.Dispose();
        _applyLock.Dispose();
    }

    private void OnFlowEnded(TrackedFlow flow, FlowEndReason reason)
    {
        PacketPipeline.OnFlowEnded(flow, reason);
        _metrics?.RecordConnectionDuration(flow.Frontend, _time.GetElapsedTime(flow.Started));
    }

    private async Task ApplyCoreAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
    {
        _last = snapshot;
        var live = snapshot.Frontends.Values.Where(f => Handles(f.Mode) && !f.IsDraining).OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        var now = _time.GetUtcNow();
        foreach (var (name, frontend) in _live)
        {
            if (!live.Any(f => f.Name == name))
            {
                _draining[name] = (frontend, now + frontend.Config.DrainTimeout);
            }
        }

        foreach (var (name, (frontend, deadline)) in _draining.ToList())
        {
            if (live.Any(f => f.Name == name) || now >= deadline || frontend.ActiveConnections <= 0)
            {
                _draining.Remove(name);
            }
        }

        _live = live.ToDictionary(f => f.Name, StringComparer.Ordinal);
        if (live.Count == 0 && _draining.Count == 0 && _pipeline is null)
        {
            return;
        }

        var draining = _draining.Values.Select(d => d.Frontend).ToList();
        var all = live.Concat(draining).ToList();
        var settings = PacketSettings.EngineOf(snapshot.Config);
        var pipeline = EnsurePipeline(settings.TrackerCapacity);
        RefreshNextHops();
        pipeline.StatsUpdateFrequency = settings.StatsUpdateFrequency;
        pipeline.ResetRate = settings.ResetRate;
        var routes = RouteTable.Build(live, draining);
        pipeline.Routes = routes;
        WantNeighbours(live);
        var firewallError = await ApplyFirewallAsync(all, settings, cancellationToken).ConfigureAwait(false);
        var (unreachable, paths) = ApplyReceiveGroups(all, routes, settings, pipeline);
        var failures = new List<FrontendListenFailure>();
        foreach (var frontend in live)
        {
            var reason = unreachable.GetValueOrDefault(frontend.Name)
                ?? (firewallError is not null && PacketSettings.ManageFirewall(frontend.Config) ? firewallError : null);
            if (reason is null)
            {
                frontend.ReportListening(paths.GetValueOrDefault(frontend.Name, PacketSettings.AfPacketPath));
            }
            else
            {
                failures.Add(NotListening(frontend, reason));
            }
        }

        if (failures.Count > 0)
        {
            _lastRetry = _time.GetTimestamp();
            throw new FrontendListenException(failures);
        }
    }

    private static FrontendListenFailure NotListening(FrontendState frontend, string reason)
    {
        frontend.ReportNotListening(reason);
        return new FrontendListenFailure { Frontend = frontend.Name, EndPoint = frontend.Config.ListenEndPoint, Reason = reason };
    }

    /// <summary>Every <see cref="ListenRetryInterval"/> while a live frontend does not listen: applies the last snapshot again.</summary>
    private Task RetryAsync() =>
        _time.GetElapsedTime(_lastRetry) < ListenRetryInterval ? Task.CompletedTask : ReapplyAsync(() =>
        {
            if (_live.Values.All(f => f.IsListening) || _time.GetElapsedTime(_lastRetry) < ListenRetryInterval)
            {
                return false;
            }

            _lastRetry = _time.GetTimestamp();
            return true;
        });

    /// <summary>
    /// Every <see cref="InterfaceRescanInterval"/>: when the host's interfaces or addresses changed (an uplink added or
    /// brought up, one removed, a VIP added), plans the receive groups again; groups whose plan stayed keep their sockets.
    /// </summary>
    private Task RescanInterfacesAsync()
    {
        if (_live.Count == 0 || _time.GetElapsedTime(_lastRescan) < InterfaceRescanInterval)
        {
            return Task.CompletedTask;
        }

        _lastRescan = _time.GetTimestamp();
        HostInterfaces now;
        try
        {
            now = HostInterfaces.Read();
        }
        catch (NetworkInformationException exception)
        {
            LogInterfacesUnreadable(exception);
            return Task.CompletedTask;
        }

        if (now.Equals(_interfaces))
        {
            return Task.CompletedTask;
        }

        return ReapplyAsync(() =>
        {
            if (_live.Count == 0)
            {
                return false;
            }

            LogInterfacesChanged();
            return true;
        });
    }

    /// <summary>
    /// Applies the last snapshot again, off a reload (a retry, a drained frontend, a change of interfaces), when
    /// <paramref name="wanted"/> still holds under the apply lock (a stop in between clears what it looks at).
    /// </summary>
    private async Task ReapplyAsync(Func<bool> wanted)
    {
        if (_last is null || !OperatingSystem.IsLinux())
        {
            return;
        }

        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_last is not null && wanted())
            {
                await ApplyCoreAsync(_last, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (FrontendListenException)
        {
            // Reported on each frontend's state (the reload that failed logged it already) and tried again.
        }
        catch (Exception exception) when (exception is InvalidOperationException or IOException or System.ComponentModel.Win32Exception or NetworkInformationException)
        {
            LogPruneFailed(exception);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private async Task DrainAsync(ConnectionTracker tracker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // A DSR flow can end unseen (the server's RST goes straight to the client), so besides the open-flow
        // count the drain also ends once no packet has arrived for QuietPeriod.
        var deadline = _time.GetUtcNow() + timeout;
        var packets = Counters.PacketsIn;
        var quietSince = _time.GetUtcNow();
        try
        {
            while (tracker.OpenCount > 0 && _time.GetUtcNow() < deadline && _time.GetUtcNow() - quietSince < QuietPeriod)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
                if (Counters.PacketsIn != packets)
                {
                    packets = Counters.PacketsIn;
                    quietSince = _time.GetUtcNow();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown deadline: stop now.
        }
    }

    /// <summary>Forgets removed frontends whose flows ended or whose drain timeout passed (runs every second).</summary>
    private Task PruneDrainingAsync() =>
        _draining.Count == 0 ? Task.CompletedTask : ReapplyAsync(() =>
        {
            var now = _time.GetUtcNow();
            return _draining.Values.Any(d => now >= d.Deadline || d.Frontend.ActiveConnections <= 0);
        });

    private PacketPipeline EnsurePipeline(int capacity)
    {
        if (_pipeline is not null && _pipeline.Tracker.Capacity == capacity)
        {
            return _pipeline;
        }

        if (_pipeline is not null)
        {
            LogTrackerResized(_pipeline.Tracker.Capacity, capacity);
            _pipeline.Tracker.Clear();
            _pipeline.Tracker.Dispose();
        }

        var fastPath = new FastPathFlows(Counters);
        var pipeline = new PacketPipeline(new ConnectionTracker(capacity, _time, OnFlowEnded, flow => fastPath.Remove(flow.Client)), _neighbours, Counters, _time, fastPath);
        Volatile.Write(ref _pipeline, pipeline);
        _neighbourTimer ??= _time.CreateTimer(_ => OnTick(), null, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        return pipeline;
    }

    private void OnTick()
    {
        SyncFastPath();
        RefreshNeighbours();
        _ = PruneDrainingAsync();
        _ = RetryAsync();
        _ = RescanInterfacesAsync();
    }

    /// <summary>What the fast path forwarded reaches the tracker and the counters; entries of flows that changed leave it.</summary>
    private void SyncFastPath()
    {
        var pipeline = Volatile.Read(ref _pipeline);
        try
        {
            pipeline?.FastPath.Sync(pipeline.Tracker, pipeline.Routes);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            LogFastPathSyncFailed(exception);
        }
    }

    private void RefreshNeighbours()
    {
        try
        {
            _neighbours.Refresh();
        }
        catch (IOException exception)
        {
            LogNeighboursFailed(exception);
        }

        RefreshNextHops();
    }

    private void RefreshNextHops()
    {
        try
        {
            _nextHops.Refresh();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or System.Net.NetworkInformation.NetworkInformationException)
        {
            LogNextHopsFailed(exception);
        }
    }

    private void WantNeighbours(List<FrontendState> frontends)
    {
        foreach (var frontend in frontends.Where(f => f.Mode == PacketSettings.DsrMode && PacketSettings.DsrMethodOf(f.Config) == DsrMethod.L2))
        {
            foreach (var server in frontend.Pool.Servers)
            {
                _neighbours.Want(PacketAddress.From(server.Address.Address));
            }
        }
    }

    /// <summary>Installs the rules <paramref name="frontends"/> need; null when done, else why not (for operators).</summary>
    private async Task<string?> ApplyFirewallAsync(List<FrontendState> frontends, PacketSettings.Engine settings, CancellationToken cancellationToken)
    {
        var script = FirewallRules.Render(frontends
            .Where(f => PacketSettings.ManageFirewall(f.Config))
            .Select(f => (f.Name, f.Config.ListenEndPoint, f.Mode == PacketSettings.PassthroughMode, PacketSettings.InterfaceOf(f.Config, settings))));
        if (script == _firewallScript)
        {
            return null;
        }

        try
        {
            // Also replaces a stale table left behind by a crashed run.
            await _firewall.ApplyAsync(script, cancellationToken).ConfigureAwait(false);
            _firewallScript = script;
            LogFirewallApplied(script.Length == 0 ? "removed" : "installed");
            return null;
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"the nftables table inet convey could not be installed ({OneLine(exception.Message)}), so the kernel may answer its packets "
                + "with RST; install nftables (and grant CAP_NET_ADMIN), or set manage_firewall = false and add the rules of --print-firewall yourself";
        }
    }

    /// <summary>
    /// On stop: replaces the table by one that drops the stopped <paramref name="frontends"/>' packets for
    /// <paramref name="grace"/> and then expires (<see cref="FirewallRules.RenderAfterStop"/>), so a restart does not let the
    /// kernel reset their flows meanwhile (nor answer new clients that retry); removes the table at once without a grace.
    /// Null when done, else why not.
    /// </summary>
    private async Task<string?> LeaveFirewallAsync(List<IPEndPoint> frontends, TimeSpan grace)
    {
        if (_firewallScript.Length == 0)
        {
            return null;
        }

        var script = grace > TimeSpan.Zero ? FirewallRules.RenderAfterStop(frontends, grace) : string.Empty;
        try
        {
            await _firewall.ApplyAsync(script, CancellationToken.None).ConfigureAwait(false);
            _firewallScript = string.Empty;
            LogFirewallApplied(script.Length == 0 ? "removed" : $"left to drop the stopped frontends' packets for {grace.TotalSeconds} s (restart_grace)");
            return null;
        }
        catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return OneLine(exception.Message);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>
    /// Opens, keeps or closes one receive group per interface; returns, by frontend name, why frontends get no traffic
    /// and the paths of the groups that receive the others' (for <c>/stats</c>).
    /// </summary>
    private (Dictionary<string, string> Unreachable, Dictionary<string, string> Paths) ApplyReceiveGroups(List<FrontendState> frontends, RouteTable routes, PacketSettings.Engine settings, PacketPipeline pipeline)
    {
        var workers = Math.Max(1, settings.Workers);
        var unreachable = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, (PacketAddress Address, ushort Port)>(StringComparer.Ordinal);
        foreach (var frontend in frontends)
        {
            var endPoint = frontend.Config.ListenEndPoint;
            var address = PacketAddress.From(endPoint.Address);
            byName[frontend.Name] = (address, (ushort)endPoint.Port);
        }

        var host = HostInterfaces.Read();
        _interfaces = host;
        var assignments = ReceiveAssignment.Assign(
            frontends.Where(f => byName.ContainsKey(f.Name)).Select(f => (f.Name, f.Config.ListenEndPoint.Address,
                PacketSettings.InterfaceOf(f.Config, settings), routes.IsNatAddress(byName[f.Name].Address))),
            host, unreachable);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (nic, names, natNames) in assignments)
        {
            var ports = names.Select(n => byName[n]).Distinct().ToList();
            var nat = natNames.Select(n => byName[n].Address).Distinct().ToList();
            var plan = new ReceiveGroupPlan(pipeline, nic.Index, nic.Mtu, workers, settings.PacketPath, [.. ports], [.. nat], settings.FastPath);
            keep.Add(nic.Name);
            if (_groups.TryGetValue(nic.Name, out var existing) && (existing.Plan == plan || existing.TryServe(plan)))
            {
                AddPath(paths, names, existing.Path);
                continue;
            }

            existing?.Dispose();
            _groups.Remove(nic.Name);
            try
            {
                var group = new ReceiveGroup(plan, PacketPorts.Open(plan, nic.Name, PacketFilter.Build(ports, nat), _nextHops, _logger), _logger);
                group.Start();
                _groups.Add(nic.Name, group);
                LogListening(nic.Name, group.Path, ports.Count, nat.Count, group.Workers);
                AddPath(paths, names, group.Path);
            }
            catch (Exception exception) when (exception is System.ComponentModel.Win32Exception or SocketException or InvalidOperationException)
            {
                foreach (var frontend in names.Concat(natNames))
                {
                    unreachable[frontend] = $"cannot open packet sockets on {nic.Name} ({OneLine(exception.Message)}); run as root or grant CAP_NET_RAW and CAP_NET_ADMIN";
                }
            }
        }

        foreach (var name in _groups.Keys.Where(n => !keep.Contains(n)).ToList())
        {
            _groups[name].Dispose();
            _groups.Remove(name);
        }

        return (unreachable, paths);
    }

    private static void AddPath(Dictionary<string, string> paths, IEnumerable<string> frontends, string path)
    {
        foreach (var frontend in frontends)
        {
            // A frontend received on several interfaces lists each path once.
            paths[frontend] = paths.TryGetValue(frontend, out var known) && !known.Split(", ").Contains(path)
                ? string.Join(", ", known.Split(", ").Append(path).Order(StringComparer.Ordinal))
                : known ?? path;
        }
    }

    [LoggerMessage(EventId = PacketLogEvents.EngineListening, EventName = nameof(PacketLogEvents.EngineListening), Level = LogLevel.Information, Message = "Packet engine listening on {Interface} over {PacketPath}: {Frontends} frontend port(s), NAT replies to {NatAddresses} address(es), {Workers} worker(s)")]
    private partial void LogListening(string @interface, string packetPath, int frontends, int natAddresses, int workers);

    [LoggerMessage(EventId = PacketLogEvents.InterfacesChanged, EventName = nameof(PacketLogEvents.InterfacesChanged), Level = LogLevel.Information, Message = "The host's network interfaces or addresses changed: the packet engine plans where it receives again")]
    private partial void LogInterfacesChanged();

    [LoggerMessage(EventId = PacketLogEvents.InterfacesUnreadable, EventName = nameof(PacketLogEvents.InterfacesUnreadable), Level = LogLevel.Warning, Message = "Could not read the host's network interfaces; the packet engine keeps receiving where it did and reads them again in 5 s")]
    private partial void LogInterfacesUnreadable(Exception exception);

    [LoggerMessage(EventId = PacketLogEvents.FirewallApplied, EventName = nameof(PacketLogEvents.FirewallApplied), Level = LogLevel.Information, Message = "Packet engine firewall rules (nftables table inet convey) {What}")]
    private partial void LogFirewallApplied(string what);

    [LoggerMessage(EventId = PacketLogEvents.FirewallRemovalFailed, EventName = nameof(PacketLogEvents.FirewallRemovalFailed), Level = LogLevel.Error, Message = "Could not remove the nftables table inet convey on stop: {Reason}")]
    private partial void LogFirewallRemovalFailed(string reason);

    [LoggerMessage(EventId = PacketLogEvents.FastPathSyncFailed, EventName = nameof(PacketLogEvents.FastPathSyncFailed), Level = LogLevel.Warning, Message = "Reading the fast path's flow counters failed; they are read again in a second")]
    private partial void LogFastPathSyncFailed(Exception exception);

    [LoggerMessage(EventId = PacketLogEvents.TrackerResized, EventName = nameof(PacketLogEvents.TrackerResized), Level = LogLevel.Warning, Message = "connection_tracker_capacity changed from {Old} to {New}: tracked flows were forgotten")]
    private partial void LogTrackerResized(int old, int @new);

    [LoggerMessage(EventId = PacketLogEvents.FrontendReleaseFailed, EventName = nameof(PacketLogEvents.FrontendReleaseFailed), Level = LogLevel.Error, Message = "Could not release a removed frontend's sockets or firewall rules")]
    private partial void LogPruneFailed(Exception exception);

    [LoggerMessage(EventId = PacketLogEvents.NeighbourTableUnreadable, EventName = nameof(PacketLogEvents.NeighbourTableUnreadable), Level = LogLevel.Warning, Message = "Could not read the neighbour table for L2 DSR")]
    private partial void LogNeighboursFailed(Exception exception);

    [LoggerMessage(EventId = PacketLogEvents.NextHopTableUnreadable, EventName = nameof(PacketLogEvents.NextHopTableUnreadable), Level = LogLevel.Warning, Message = "Could not read the kernel's routes and neighbours (/proc/net/route, /proc/net/arp, /proc/net/ipv6_route, the IPv6 neighbours); routed packets go through the kernel's raw-socket send until it can")]
    private partial void LogNextHopsFailed(Exception exception);
}
