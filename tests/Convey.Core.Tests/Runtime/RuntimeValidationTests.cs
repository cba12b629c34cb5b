using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Runtime;

/// <summary>
/// The runtime's validation, the one check both <c>Apply</c> and <c>--check</c> run: policies, engines and their own
/// checks, each error placed in the file it came from.
/// </summary>
public sealed class RuntimeValidationTests
{
    private const string UnknownPolicy = """
        [frontends.web]
        listen_addr = "127.0.0.1:3000"
        backend = "pool"

        [backends.pool]
        balance = "fastest-please"
          [backends.pool.servers.s1]
          addr = "127.0.0.1:8080"
        """;

    [Fact]
    public void An_unknown_policy_is_refused_at_apply_with_its_line_and_column()
    {
        var config = TomlConfigReader.Parse(UnknownPolicy, "convey.toml");
        var runtime = CreateRuntime();

        var ex = Assert.Throws<ConfigException>(() => runtime.Apply(config));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("convey.toml:6:1 backends.pool.balance", $"{error.Source}:{error.Line}:{error.Column} {error.KeyPath}");
        Assert.Contains("unknown balancing policy 'fastest-please'", error.Message, StringComparison.Ordinal);
        Assert.Empty(runtime.Current.Frontends);
    }

    [Fact]
    public void Validate_reports_what_apply_refuses_and_applies_nothing()
    {
        var config = TomlConfigReader.Parse(UnknownPolicy, "convey.toml");
        var runtime = CreateRuntime();

        var errors = runtime.Validate(config);

        Assert.Equal(Assert.Throws<ConfigException>(() => runtime.Apply(config)).Errors.Select(e => e.ToString()), errors.Select(e => e.ToString()));
        Assert.Empty(runtime.Current.Pools);
    }

    [Fact]
    public void A_frontend_whose_mode_no_registered_engine_handles_is_refused()
    {
        var runtime = RuntimeWith(new TestEngine("proxy"));
        var config = Config(Pool("web", Server("a", 8001)), Frontend("front", 9000, "web", "dsr"));

        var ex = Assert.Throws<ConfigException>(() => runtime.Apply(config));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("frontends.front.mode", error.KeyPath);
        Assert.Contains("no registered forwarding engine serves the mode 'dsr'; use one of: proxy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hosts_default_mode_counts_as_the_frontends_mode()
    {
        var runtime = RuntimeWith(new TestEngine("proxy"), defaultMode: "passthrough");

        var error = Assert.Single(runtime.Validate(Web(Server("a", 8001))));

        Assert.Equal("frontends.front.mode", error.KeyPath);
        Assert.Contains("the mode 'passthrough'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_engines_own_check_refuses_the_snapshot_at_the_line_and_column_of_its_key()
    {
        var engine = new TestEngine("proxy")
        {
            Check = (frontend, config) => [new ConfigError(config.Source, 0, 0, $"frontends.{frontend.Name}.listen_addr", "not on this engine")],
        };
        var runtime = RuntimeWith(engine);
        var config = TomlConfigReader.Parse(UnknownPolicy.Replace("balance = \"fastest-please\"", "", StringComparison.Ordinal), "convey.toml");

        var ex = Assert.Throws<ConfigException>(() => runtime.Apply(config));

        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("convey.toml:2:1 frontends.web.listen_addr: not on this engine", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(runtime.Current.Frontends);
        Assert.Equal(["web"], engine.Checked);
    }

    [Fact]
    public void Engines_are_asked_only_about_the_frontends_of_modes_they_handle()
    {
        var proxy = new TestEngine("proxy");
        var packet = new TestEngine("passthrough", "dsr");
        var runtime = RuntimeWith(proxy, packet);
        var config = Config(
            Pool("web", Server("a", 8001)),
            Frontend("proxied", 9000, "web"),
            Frontend("passed", 9001, "web", "passthrough"));

        runtime.Apply(config);

        Assert.Equal(["proxied"], proxy.Checked);
        Assert.Equal(["passed"], packet.Checked);
    }

    [Fact]
    public void The_container_built_by_AddConveyCore_asks_the_registered_engines()
    {
        var services = new ServiceCollection().AddConveyCore().Services;
        services.AddSingleton<IForwardingEngine>(new TestEngine("proxy"));
        using var provider = services.BuildServiceProvider();

        var errors = provider.GetRequiredService<ConveyRuntime>().Validate(Config(Pool("web", Server("a", 8001)), Frontend("f", 9000, "web", "dsr")));

        Assert.Equal("frontends.f.mode", Assert.Single(errors).KeyPath);
    }

    private static ConveyRuntime RuntimeWith(params TestEngine[] engines) => RuntimeWith(engines, "proxy");

    private static ConveyRuntime RuntimeWith(TestEngine engine, string defaultMode) => RuntimeWith([engine], defaultMode);

    private static ConveyRuntime RuntimeWith(TestEngine[] engines, string defaultMode)
    {
        var registry = new BackendSelectorRegistry(
            [new(BalancingPolicyNames.RoundRobin, _ => new RoundRobinSelector()), new(BalancingPolicyNames.Maglev, _ => new RoundRobinSelector())],
            NSubstitute.Substitute.For<IServiceProvider>());
        return new ConveyRuntime(registry, Options.Create(new ConveyOptions { DefaultMode = defaultMode }), () => engines, () => []);
    }

    private sealed class TestEngine(params string[] modes) : IForwardingEngine
    {
        public List<string> Checked { get; } = [];

        public Func<FrontendConfig, ConveyConfig, IEnumerable<ConfigError>> Check { get; init; } = (_, _) => [];

        public IReadOnlyCollection<string> Modes => modes;

        public IEnumerable<ConfigError> Validate(ConveyConfig config)
        {
            var errors = new List<ConfigError>();
            foreach (var frontend in config.Frontends.Where(f => modes.Contains(f.Mode)))
            {
                Checked.Add(frontend.Name);
                errors.AddRange(Check(frontend, config));
            }

            return errors;
        }

        public Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
