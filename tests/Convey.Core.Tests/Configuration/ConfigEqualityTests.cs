using System.Collections.Immutable;
using System.Net;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>Configuration records compare by value, collections element by element, so "nothing changed" is <c>==</c>.</summary>
public sealed class ConfigEqualityTests
{
    private static ConveyConfig Build(int weight = 1, string dsrMethod = "l3", string statsPort = "7000") => new()
    {
        Source = "a.toml",
        Frontends =
        [
            new FrontendConfig
            {
                Name = "web",
                ListenEndPoint = IPEndPoint.Parse("127.0.0.1:3000"),
                Pool = "pool",
                Settings = TestSettings.Of(("dsr_method", dsrMethod), ("manage_firewall", "false")),
            },
        ],
        Pools = [new BackendPoolConfig { Name = "pool", Servers = [new ServerConfig { Name = "s1", Address = IPEndPoint.Parse("127.0.0.1:8080"), Weight = weight }] }],
        Sections = ImmutableDictionary<string, ConfigSettings>.Empty.Add("stats", TestSettings.Of(("port", statsPort))),
    };

    [Fact]
    public void Two_configurations_built_apart_with_the_same_content_are_equal_whatever_their_source()
    {
        var other = Build() with { Source = "b.toml" };

        Assert.Equal(Build(), other);
        Assert.Equal(Build().GetHashCode(), other.GetHashCode());
    }

    [Fact]
    public void A_change_deep_in_a_pool_a_setting_or_a_section_makes_them_differ()
    {
        Assert.NotEqual(Build(), Build(weight: 2));
        Assert.NotEqual(Build(), Build(dsrMethod: "l2"));
        Assert.NotEqual(Build(), Build(statsPort: "7001"));
    }

    [Fact]
    public void Settings_compare_by_keys_and_values_in_any_order()
    {
        var one = TestSettings.Of(("a", "1"), ("b", "2"));
        var other = TestSettings.Of(("b", "2"), ("a", "1"));

        Assert.Equal(one, other);
        Assert.Equal(one.GetHashCode(), other.GetHashCode());
        Assert.NotEqual(one, TestSettings.Of(("a", "1")));
    }
}
