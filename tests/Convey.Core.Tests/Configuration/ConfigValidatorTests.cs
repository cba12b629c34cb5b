using System.Net;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>The snapshot-wide rules, for configurations built in code: each error names its key, without a place.</summary>
public sealed class ConfigValidatorTests
{
    private static readonly string[] Policies = ["round_robin"];

    private static ConveyConfig Valid() => new()
    {
        Frontends = [new FrontendConfig { Name = "web", ListenEndPoint = IPEndPoint.Parse("127.0.0.1:3000"), Pool = "pool" }],
        Pools = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "s1", Address = IPEndPoint.Parse("127.0.0.1:8080") }] }],
    };

    [Fact]
    public void A_valid_configuration_has_no_errors()
    {
        Assert.Empty(ConfigValidator.Validate(Valid(), Policies));
    }

    [Fact]
    public void Each_broken_rule_is_reported_at_its_own_key()
    {
        var valid = Valid();
        var config = valid with
        {
            Frontends =
            [
                valid.Frontends[0] with { IdleTimeout = TimeSpan.Zero },
                valid.Frontends[0] with { Name = "copy", Pool = "absent" },
            ],
            Pools =
            [
                valid.Pools[0] with
                {
                    Balance = "unknown",
                    HealthCheck = new HealthCheckConfig { Rise = 0 },
                    Servers = [.. valid.Pools[0].Servers, new ServerConfig { Name = "s2", Address = IPEndPoint.Parse("127.0.0.1:8080"), Weight = -1 }],
                },
            ],
        };

        var errors = ConfigValidator.Validate(config, Policies);

        Assert.Equal(
            new[]
            {
                "backends.pool.servers.s2.addr",
                "backends.pool.servers.s2.weight",
                "backends.pool.balance",
                "backends.pool.rise",
                "frontends.web.idle_timeout",
                "frontends.copy.listen_addr",
                "frontends.copy.backend",
            },
            errors.Select(e => e.KeyPath));
        Assert.All(errors, e => Assert.Equal((0, 0), (e.Line, e.Column)));
    }

    [Fact]
    public void A_server_given_by_host_name_is_valid_and_checked_like_the_reader_checks_it()
    {
        var valid = Valid();
        ServerConfig[] servers =
        [
            new ServerConfig { Name = "named", Address = new DnsEndPoint("db.internal", 5432) },
            new ServerConfig { Name = "bad_name", Address = new DnsEndPoint("db_1", 5432) },
            new ServerConfig { Name = "no_port", Address = new DnsEndPoint("db.internal", 0) },
            new ServerConfig { Name = "twice", Address = new DnsEndPoint("db.internal", 5432) },
        ];
        var config = valid with { Pools = [valid.Pools[0] with { Servers = [.. servers], ResolveInterval = TimeSpan.Zero }] };

        var errors = ConfigValidator.Validate(config, Policies);

        Assert.Equal(
            new[]
            {
                "backends.pool.servers.bad_name.addr",
                "backends.pool.servers.no_port.addr",
                "backends.pool.servers.twice.addr",
                "backends.pool.resolve_interval",
            },
            errors.Select(e => e.KeyPath));
        Assert.Contains("\"db_1\" is not a host name", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("db.internal:5432 is already the address of another server", errors[2].Message, StringComparison.Ordinal);
    }
}
