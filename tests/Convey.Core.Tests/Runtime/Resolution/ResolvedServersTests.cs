using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime.Resolution;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Runtime.Resolution;

/// <summary>How the runtime turns servers given by host name into servers, one per usable address.</summary>
public sealed class ResolvedServersTests
{
    private readonly Convey.Runtime.ConveyRuntime _runtime = CreateRuntime();

    private static ServerConfig Named(string name, string host, int port) => new() { Name = name, Address = new DnsEndPoint(host, port) };

    private static HostAddresses Hosts(string host, params string[] addresses) =>
        HostAddresses.None.With(host, [.. addresses.Select(IPAddress.Parse)]);

    private string[] AddressesOf(string pool) =>
        [.. _runtime.Current.Pools[pool].Servers.Select(s => s.Address.ToString())];

    [Fact]
    public void An_address_listed_literally_is_not_added_again_by_a_name_that_resolves_to_it()
    {
        var config = Web(Named("db", "db.test", 8001), Server("a", 8001, weight: 5));

        _runtime.Apply(config, Hosts("db.test", "127.0.0.1", "127.0.0.2"));

        Assert.Equal(["127.0.0.2:8001", "127.0.0.1:8001"], AddressesOf("web"));
        Assert.Equal(5, _runtime.Current.Pools["web"].Servers.Single(s => s.Name == "a").Weight);
    }

    [Fact]
    public void A_pool_served_by_an_IPv4_packet_mode_frontend_takes_only_the_IPv4_addresses_of_a_name()
    {
        var config = Config(
            [Pool("packets", Named("db", "db.test", 80), Named("v6only", "v6.test", 80)), Pool("proxied", Named("db", "db.test", 80))],
            [Frontend("pass", 9000, "packets", "passthrough"), Frontend("proxy", 9001, "proxied")]);
        var hosts = Hosts("db.test", "127.0.0.2", "::1").With("v6.test", [IPAddress.IPv6Loopback]);

        _runtime.Apply(config, hosts);

        Assert.Equal(["127.0.0.2:80"], AddressesOf("packets"));
        Assert.Equal("v6.test:80", Assert.Single(_runtime.Current.Pools["packets"].UnresolvedServers));
        Assert.Equal(["127.0.0.2:80", "[::1]:80"], AddressesOf("proxied"));
    }

    [Fact]
    public void A_pool_served_by_an_IPv6_packet_mode_frontend_takes_only_the_IPv6_addresses_of_a_name()
    {
        var frontend = Frontend("dsr", 9000, "packets", "dsr") with { ListenEndPoint = new IPEndPoint(IPAddress.IPv6Loopback, 9000) };
        var config = Config([Pool("packets", Named("db", "db.test", 80))], [frontend]);

        _runtime.Apply(config, Hosts("db.test", "127.0.0.2", "::1"));

        Assert.Equal(["[::1]:80"], AddressesOf("packets"));
    }

    [Fact]
    public void Applying_without_addresses_keeps_those_of_the_last_apply()
    {
        var config = Web(Named("db", "db.test", 8001));
        _runtime.Apply(config, Hosts("db.test", "127.0.0.2"));

        _runtime.Apply(config with { Frontends = [Frontend("front", 9001, "web")] });

        Assert.Equal(["127.0.0.2:8001"], AddressesOf("web"));
        Assert.Empty(_runtime.Current.Pools["web"].UnresolvedServers);
    }
}
