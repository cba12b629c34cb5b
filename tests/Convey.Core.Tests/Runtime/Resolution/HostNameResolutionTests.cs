using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Health;
using Convey.Metrics;
using Convey.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Runtime.Resolution;

/// <summary>
/// Servers given by host name, through the service with a fake resolver and a fake clock: resolved at start and
/// every resolve_interval, each address a server; failures keep the last addresses; a name that never resolved
/// is unresolved, never a reason not to start.
/// </summary>
public sealed class HostNameResolutionTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    // Health rounds far apart, so only the resolver changes the servers while a test runs.
    private static readonly HealthCheckConfig QuietHealth = new() { Interval = TimeSpan.FromSeconds(100_000) };

    private readonly FakeTimeProvider _time = new();
    private readonly FakeHostNameResolver _resolver = new();
    private readonly FakeLogger<ConveyService> _logger = new();
    private readonly InMemoryConfigSource _source = new(new ConveyConfig());
    private readonly ConveyRuntime _runtime = CreateRuntime();
    private readonly IForwardingEngine _engine = Substitute.For<IForwardingEngine>();
    private readonly ConveyMetrics _metrics;
    private readonly HealthCoordinator _health;
    private readonly ConveyService _service;
    private int _applies;

    public HostNameResolutionTests()
    {
        _metrics = CreateMetrics(_runtime);
        var probe = Substitute.For<IHealthProbe>();
        probe.ProbeAsync(Arg.Any<IPEndPoint>(), Arg.Any<CancellationToken>()).Returns(ValueTask.FromResult(HealthProbeResult.Healthy));
        _health = new HealthCoordinator(probe, _time, NullLogger<HealthCoordinator>.Instance, _metrics);
        _engine.ApplyAsync(Arg.Any<RuntimeSnapshot>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            Interlocked.Increment(ref _applies);
            return Task.CompletedTask;
        });
        _service = new ConveyService(_source, _runtime, [_engine], _health, _metrics, _time, _logger, _resolver);
    }

    private BackendPool Web => _runtime.Current.Pools["web"];

    /// <summary>Snapshots handed to the engine: one at start, one per reload or change of addresses.</summary>
    private int Applies => Volatile.Read(ref _applies);

    private string[] Addresses => [.. Web.Servers.Where(s => !s.IsDraining).Select(s => s.Address.ToString()).Order(StringComparer.Ordinal)];

    private static ServerConfig Named(string name, string host, int port, int weight = 1, int maxConnections = 0) =>
        new() { Name = name, Address = new DnsEndPoint(host, port), Weight = weight, MaxConnections = maxConnections };

    private static ConveyConfig WebOf(params ServerConfig[] servers) =>
        Config(Pool("web", QuietHealth, servers) with { ResolveInterval = Interval }, Frontend("front", 9000, "web"));

    private Task StartWithAsync(ConveyConfig config)
    {
        _source.Update(config);
        return _service.StartAsync(CancellationToken.None);
    }

    private IReadOnlyList<FakeLogRecord> Logged(LogLevel level, string fragment) =>
        [.. _logger.Collector.GetSnapshot().Where(r => r.Level == level && r.Message.Contains(fragment, StringComparison.Ordinal))];

    [Fact]
    public async Task Start_resolves_each_host_name_and_every_address_is_a_server_with_the_configured_weight_and_limit()
    {
        _resolver.Answer("db.test", "127.0.0.3", "127.0.0.2");
        var config = WebOf(Server("a", 8001), Named("db", "db.test", 8080, weight: 3, maxConnections: 7));

        await StartWithAsync(config);

        Assert.Equal(["127.0.0.1:8001", "127.0.0.2:8080", "127.0.0.3:8080"], Addresses);
        Assert.All(Web.Servers.Where(s => s.Address.Port == 8080), s => Assert.Equal(("db", 3, 7), (s.Name, s.Weight, s.Config.MaxConnections)));
        Assert.Empty(Web.UnresolvedServers);
        Assert.Same(config, _runtime.Current.Config);
        await _engine.Received(1).ApplyAsync(_runtime.Current, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Literal_addresses_are_never_looked_up()
    {
        _resolver.Answer("db.test", "127.0.0.2");

        await StartWithAsync(WebOf(Server("a", 8001), Server("v6", 8002) with { Address = IPEndPoint.Parse("[::1]:8002") }, Named("db", "db.test", 8080)));
        await ClockPump.UntilAsync(_time, () => _resolver.LookupsOf("db.test") >= 3, "the name is looked up again");

        Assert.All(_resolver.Asked, host => Assert.Equal("db.test", host));
        Assert.Equal(["127.0.0.1:8001", "127.0.0.2:8080", "[::1]:8002"], Addresses);
    }

    [Fact]
    public async Task Every_interval_the_name_is_resolved_again_new_addresses_join_and_gone_ones_drain_while_kept_ones_keep_health_and_counters()
    {
        _resolver.Answer("db.test", "127.0.0.2", "127.0.0.3");
        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));
        var kept = Web.Servers.Single(s => s.Address.Equals(IPEndPoint.Parse("127.0.0.3:8080")));
        var gone = Web.Servers.Single(s => s.Address.Equals(IPEndPoint.Parse("127.0.0.2:8080")));
        kept.OnConnectionOpened();
        kept.AddBytesToServer(100);
        kept.SetHealthy(false);
        gone.OnConnectionOpened();

        _resolver.Answer("db.test", "127.0.0.3", "127.0.0.4");
        await ClockPump.UntilAsync(_time, () => Applies == 2, "the new addresses are applied");

        Assert.Equal(["127.0.0.3:8080", "127.0.0.4:8080"], Addresses);
        Assert.Same(kept, Web.FindServer(kept.Address));
        Assert.False(kept.IsHealthy);
        Assert.Equal((1, 100), (kept.ActiveConnections, kept.BytesToServer));
        Assert.True(gone.IsDraining);
        Assert.Contains(gone, Web.Servers);
        Assert.Equal(2, _resolver.LookupsOf("db.test"));
        Assert.Single(Logged(LogLevel.Information, "db.test now resolves to 127.0.0.3, 127.0.0.4 (was 127.0.0.2, 127.0.0.3)"));
    }

    [Fact]
    public async Task An_unchanged_answer_applies_nothing()
    {
        _resolver.Answer("db.test", "127.0.0.2", "127.0.0.3");
        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));
        var before = _runtime.Current;

        _resolver.Answer("db.test", "127.0.0.3", "127.0.0.2");
        await ClockPump.UntilAsync(_time, () => _resolver.LookupsOf("db.test") >= 3, "db.test is looked up three times");

        Assert.Same(before, _runtime.Current);
        Assert.Equal(1, Applies);
    }

    [Fact]
    public async Task A_failed_lookup_keeps_the_last_addresses_and_is_logged_once_per_run_of_failures()
    {
        _resolver.Answer("db.test", "127.0.0.2");
        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));
        var server = Assert.Single(Web.Servers);

        _resolver.Fail("db.test");
        await ClockPump.UntilAsync(_time, () => _resolver.LookupsOf("db.test") >= 4, "the name is looked up again");

        Assert.Same(server, Assert.Single(Web.Servers));
        Assert.False(server.IsDraining);
        Assert.Empty(Web.UnresolvedServers);
        var warning = Assert.Single(Logged(LogLevel.Warning, "db.test"));
        Assert.Contains("Keeping its last addresses (127.0.0.2)", warning.Message, StringComparison.Ordinal);
        Assert.Contains("pool 'web'", warning.Message, StringComparison.Ordinal);

        _resolver.Answer("db.test", "127.0.0.2");
        await ClockPump.UntilAsync(_time, () => Logged(LogLevel.Information, "db.test resolves again: 127.0.0.2").Count == 1, "the recovery is logged once");
        _resolver.Fail("db.test");
        await ClockPump.UntilAsync(_time, () => Logged(LogLevel.Warning, "db.test").Count == 2, "a new run of failures is logged");
        Assert.Same(server, Assert.Single(Web.Servers));
    }

    [Fact]
    public async Task A_name_that_never_resolved_is_unresolved_leaves_its_pool_without_a_server_and_does_not_fail_the_start()
    {
        _resolver.Fail("db.test");

        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));

        Assert.Empty(Web.Servers);
        Assert.Equal("db.test:8080", Assert.Single(Web.UnresolvedServers));
        Assert.Null(Web.Select(default(FlowKey)));
        Assert.Contains("Its servers stay unresolved and take no traffic until it resolves", Assert.Single(Logged(LogLevel.Warning, "db.test")).Message, StringComparison.Ordinal);

        _resolver.Answer("db.test", "127.0.0.2");
        await ClockPump.UntilAsync(_time, () => Applies == 2, "the resolved name's server joins");

        Assert.Equal(["127.0.0.2:8080"], Addresses);
        Assert.Empty(Web.UnresolvedServers);
    }

    [Fact]
    public async Task A_lookup_that_never_answers_fails_after_the_lookup_timeout_and_the_start_goes_on()
    {
        _resolver.Hang("db.test");

        var start = StartWithAsync(WebOf(Server("a", 8001), Named("db", "db.test", 8080)));
        await ClockPump.UntilAsync(_time, () => start.IsCompleted, "the start completes without waiting for a lookup that never answers");
        await start;

        Assert.Equal(["127.0.0.1:8001"], Addresses);
        Assert.Equal("db.test:8080", Assert.Single(Web.UnresolvedServers));
        Assert.Contains("no answer within 5 s", Assert.Single(Logged(LogLevel.Warning, "db.test")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reload_resolves_its_host_names_again()
    {
        _resolver.Answer("db.test", "127.0.0.2");
        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));
        _resolver.Answer("db.test", "127.0.0.5");
        _resolver.Answer("cache.test", "127.0.0.6");

        _source.Update(WebOf(Named("db", "db.test", 8080), Named("cache", "cache.test", 6379)));
        await ClockPump.UntilAsync(_time, () => Applies == 2, "the reload is applied");

        Assert.Equal(["127.0.0.5:8080", "127.0.0.6:6379"], Addresses);
        Assert.Equal(2, _resolver.LookupsOf("db.test"));
    }

    [Fact]
    public async Task A_requested_reload_as_on_SIGHUP_resolves_the_names_again_at_once()
    {
        _resolver.Answer("db.test", "127.0.0.2");
        var config = WebOf(Named("db", "db.test", 8080));
        await StartWithAsync(config with { Pools = [config.Pools[0] with { ResolveInterval = TimeSpan.FromDays(10) }] });
        _resolver.Answer("db.test", "127.0.0.3");

        _service.RequestReload();
        await ClockPump.UntilAsync(_time, () => Applies == 2, "the requested reload is applied");

        Assert.Equal(["127.0.0.3:8080"], Addresses);
        Assert.Equal(2, _resolver.LookupsOf("db.test"));
    }

    [Fact]
    public async Task A_refused_reload_leaves_the_names_in_force_resolving_on_their_interval()
    {
        _resolver.Answer("db.test", "127.0.0.2");
        await StartWithAsync(WebOf(Named("db", "db.test", 8080)));
        _resolver.Answer("other.test", "127.0.0.9");
        _source.Update(WebOf(Named("other", "other.test", 8080, weight: -1)));
        await ClockPump.UntilAsync(_time, () => _service.ReloadFailures == 1, "the bad reload is refused");

        _resolver.Answer("db.test", "127.0.0.3");
        await ClockPump.UntilAsync(_time, () => Applies == 2, "the name in force is resolved again after the refused reload");

        Assert.Equal(["127.0.0.3:8080"], Addresses);
        Assert.Equal(1, _resolver.LookupsOf("other.test"));
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(CancellationToken.None);
        await _service.DisposeAsync();
        await _health.DisposeAsync();
        _metrics.Dispose();
    }
}
