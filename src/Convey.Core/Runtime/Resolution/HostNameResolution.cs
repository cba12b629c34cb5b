using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Convey.Configuration;
using Microsoft.Extensions.Logging;

namespace Convey.Runtime.Resolution;

/// <summary>
/// Keeps the addresses of the configuration's host names: resolves them all when a configuration is loaded, and
/// each again when its pool's <see cref="BackendPoolConfig.ResolveInterval"/> has passed. A failed lookup keeps the
/// name's last addresses and is logged once per run of failures; a name that never resolved has no addresses.
/// </summary>
/// <remarks>
/// Control plane only, and not thread-safe: the service calls it from its one reload loop, so lookups never run on
/// an event loop or a packet worker and never race a reload.
/// </remarks>
internal sealed partial class HostNameResolution
{
    /// <summary>Longest wait for one lookup; a resolver that hangs must not hold up reloads for long.</summary>
    internal static readonly TimeSpan LookupTimeout = TimeSpan.FromSeconds(5);

    private readonly IHostNameResolver _resolver;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, HostState> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public HostNameResolution(IHostNameResolver resolver, TimeProvider time, ILogger logger)
    {
        _resolver = resolver;
        _time = time;
        _logger = logger;
    }

    /// <summary>The addresses as of the last lookups.</summary>
    public HostAddresses Current { get; private set; } = HostAddresses.None;

    /// <summary>Resolves every host name <paramref name="config"/> uses, now (a configuration being loaded).</summary>
    /// <remarks>Names only the configuration in force uses are kept: this one may yet be refused.</remarks>
    public async Task<HostAddresses> ResolveAllAsync(ConveyConfig config, CancellationToken cancellationToken)
    {
        var hosts = Track(config, forgetOthers: false);
        await LookUpAsync(hosts, cancellationToken).ConfigureAwait(false);
        return Current;
    }

    /// <summary>
    /// Resolves the names of <paramref name="inForce"/> whose interval has passed and forgets names it does not use.
    /// </summary>
    /// <param name="inForce">The configuration in force.</param>
    /// <param name="applied">The addresses it was applied with.</param>
    /// <param name="cancellationToken">Stops the lookups.</param>
    /// <returns>
    /// The addresses to apply it with when they differ from <paramref name="applied"/> for one of its names (changed
    /// now, or by the lookups of a reload that was refused); null when it is up to date.
    /// </returns>
    public async Task<HostAddresses?> RefreshDueAsync(ConveyConfig inForce, HostAddresses applied, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var hosts = Track(inForce, forgetOthers: true);
        var due = hosts.Where(h => h.NextLookup <= now).ToList();
        if (due.Count > 0)
        {
            await LookUpAsync(due, cancellationToken).ConfigureAwait(false);
        }

        return Current.Agrees(applied, hosts.Select(h => h.Host)) ? null : Current;
    }

    /// <summary>Starts or updates the state of each name <paramref name="config"/> uses; returns those states.</summary>
    private List<HostState> Track(ConveyConfig config, bool forgetOthers)
    {
        var uses = UsesOf(config);
        if (forgetOthers && _hosts.Keys.Any(h => !uses.ContainsKey(h)))
        {
            foreach (var host in _hosts.Keys.Where(h => !uses.ContainsKey(h)).ToList())
            {
                _hosts.Remove(host);
            }

            Current = Current.Only(uses.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase));
        }

        var states = new List<HostState>(uses.Count);
        foreach (var (host, use) in uses)
        {
            var state = _hosts.TryGetValue(host, out var known) ? known : _hosts[host] = new HostState(host);
            state.Interval = use.Interval;
            state.Pools = string.Join(", ", use.Pools.Select(p => $"'{p}'"));
            states.Add(state);
        }

        return states;
    }

    /// <summary>Looks the names up in parallel and records the results.</summary>
    private async Task LookUpAsync(List<HostState> hosts, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(hosts.Select(h => LookUpOneAsync(h.Host, cancellationToken))).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        for (var i = 0; i < hosts.Count; i++)
        {
            Record(hosts[i], results[i]);
            hosts[i].NextLookup = now + hosts[i].Interval;
        }
    }

    private void Record(HostState host, LookupResult result)
    {
        var previous = Current.Of(host.Host);
        if (result.Error is { } error)
        {
            if (!host.Failing)
            {
                host.Failing = true;
                if (previous.IsEmpty)
                {
                    LogNeverResolved(host.Host, host.Pools, error, host.Interval.TotalSeconds);
                }
                else
                {
                    LogLookupFailed(host.Host, host.Pools, error, Format(previous), host.Interval.TotalSeconds);
                }
            }

            return;
        }

        var addresses = result.Addresses;
        if (host.Failing)
        {
            host.Failing = false;
            LogResolvesAgain(host.Host, Format(addresses));
        }

        if (previous.SequenceEqual(addresses))
        {
            return;
        }

        if (previous.IsEmpty)
        {
            LogResolved(host.Host, Format(addresses));
        }
        else
        {
            LogAddressesChanged(host.Host, Format(addresses), Format(previous));
        }

        Current = Current.With(host.Host, addresses);
    }

    private async Task<LookupResult> LookUpOneAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            var addresses = await _resolver.ResolveAsync(host, cancellationToken).WaitAsync(LookupTimeout, _time, cancellationToken).ConfigureAwait(false);
            var usable = addresses
                .Select(a => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)
                .Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                .Distinct()
                .Order(AddressOrder.Instance)
                .ToImmutableArray();
            return usable.IsEmpty ? LookupResult.Failed("the name has no IP address") : new LookupResult(usable, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutException)
        {
            return LookupResult.Failed($"no answer within {LookupTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (SocketException ex)
        {
            return LookupResult.Failed($"{ex.Message} ({ex.SocketErrorCode})");
        }
#pragma warning disable CA1031 // Whatever the resolver throws, the name just failed this time; the balancer goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return LookupResult.Failed(ex.Message);
        }
    }

    /// <summary>Each host name of the configuration, with the pools that use it and the shortest interval among them.</summary>
    private static Dictionary<string, HostUse> UsesOf(ConveyConfig config)
    {
        var uses = new Dictionary<string, HostUse>(StringComparer.OrdinalIgnoreCase);
        foreach (var pool in config.Pools)
        {
            foreach (var name in pool.Servers.Select(s => s.Address).OfType<DnsEndPoint>())
            {
                if (!uses.TryGetValue(name.Host, out var use))
                {
                    uses[name.Host] = use = new HostUse(pool.ResolveInterval);
                }

                use.Interval = use.Interval < pool.ResolveInterval ? use.Interval : pool.ResolveInterval;
                use.Pools.Add(pool.Name);
            }
        }

        return uses;
    }

    private static string Format(ImmutableArray<IPAddress> addresses) => string.Join(", ", addresses);

    [LoggerMessage(EventId = CoreLogEvents.HostNameResolved, EventName = nameof(CoreLogEvents.HostNameResolved), Level = LogLevel.Information, Message = "Host name {Host} resolves to {Addresses}")]
    private partial void LogResolved(string host, string addresses);

    [LoggerMessage(EventId = CoreLogEvents.HostNameAddressesChanged, EventName = nameof(CoreLogEvents.HostNameAddressesChanged), Level = LogLevel.Information, Message = "Host name {Host} now resolves to {Addresses} (was {Previous}); its pools follow")]
    private partial void LogAddressesChanged(string host, string addresses, string previous);

    [LoggerMessage(EventId = CoreLogEvents.HostNameResolvesAgain, EventName = nameof(CoreLogEvents.HostNameResolvesAgain), Level = LogLevel.Information, Message = "Host name {Host} resolves again: {Addresses}")]
    private partial void LogResolvesAgain(string host, string addresses);

    [LoggerMessage(EventId = CoreLogEvents.HostNameUnresolved, EventName = nameof(CoreLogEvents.HostNameUnresolved), Level = LogLevel.Warning, Message = "Cannot resolve host name {Host} (pool {Pools}): {Reason}. Its servers stay unresolved and take no traffic until it resolves; trying again every {Interval} s")]
    private partial void LogNeverResolved(string host, string pools, string reason, double interval);

    [LoggerMessage(EventId = CoreLogEvents.HostNameLookupFailed, EventName = nameof(CoreLogEvents.HostNameLookupFailed), Level = LogLevel.Warning, Message = "Cannot resolve host name {Host} (pool {Pools}): {Reason}. Keeping its last addresses ({Addresses}); trying again every {Interval} s")]
    private partial void LogLookupFailed(string host, string pools, string reason, string addresses, double interval);

    private sealed class HostState(string host)
    {
        public string Host { get; } = host;

        public TimeSpan Interval { get; set; }

        /// <summary>The pools that use the name, for messages.</summary>
        public string Pools { get; set; } = "";

        public DateTimeOffset NextLookup { get; set; }

        /// <summary>Whether the last lookup failed, so a run of failures is logged once.</summary>
        public bool Failing { get; set; }
    }

    private sealed class HostUse(TimeSpan interval)
    {
        public TimeSpan Interval { get; set; } = interval;

        public SortedSet<string> Pools { get; } = new(StringComparer.Ordinal);
    }

    private sealed record LookupResult(ImmutableArray<IPAddress> Addresses, string? Error)
    {
        public static LookupResult Failed(string error) => new([], error);
    }

    /// <summary>IPv4 before IPv6, then by bytes: a stable order, so the same answer in another order is no change.</summary>
    private sealed class AddressOrder : IComparer<IPAddress>
    {
        public static readonly AddressOrder Instance = new();

        public int Compare(IPAddress? x, IPAddress? y)
        {
            var order = x!.AddressFamily.CompareTo(y!.AddressFamily);
            return order != 0 ? order : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
        }
    }
}
