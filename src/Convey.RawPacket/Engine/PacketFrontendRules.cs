using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// What the packet engine cannot serve, refused when a configuration is validated rather than found at run time: it
/// matches packets by their destination address, so a wildcard listen address would match none; it forwards the client's
/// own packets, so it cannot add a PROXY header nor turn IPv4 into IPv6 (a frontend's servers are of its family, and a
/// pool behind packet frontends serves one family); and it carries no interface scope, so a link-local address cannot be
/// a frontend or a server.
/// </summary>
internal static class PacketFrontendRules
{
    public static IEnumerable<ConfigError> Check(FrontendConfig frontend, PacketMode mode, ConveyConfig config)
    {
        var key = $"frontends.{frontend.Name}";
        var what = $"frontend '{frontend.Name}' is a {Name(mode)} frontend";
        var listen = frontend.ListenEndPoint;
        var address = PacketAddress.From(listen.Address);
        if (address.IsUnspecified)
        {
            yield return Error(config, $"{key}.listen_addr",
                $"{what} on {listen}, but the packet engine takes a frontend's packets by their destination address, which is never 0.0.0.0 or ::; listen on the address of the interface that receives the traffic.");
        }
        else if (listen.Address.IsIPv6LinkLocal)
        {
            yield return Error(config, $"{key}.listen_addr",
                $"{what} on {listen}, a link-local address, which the packet engine cannot serve (it carries no interface scope); listen on a global or unique-local address.");
        }

        var family = Family(address);
        var pool = config.Pools.FirstOrDefault(p => p.Name == frontend.Pool);
        if (pool is null || pool.Servers.IsDefault)
        {
            yield break;
        }

        // send_proxy belongs to the proxy engine; whatever its version, a header the packet engine cannot write is refused.
        if (pool.Settings.TryGetValue("send_proxy", out var sendProxy) && !string.Equals(sendProxy, "none", StringComparison.OrdinalIgnoreCase))
        {
            yield return Error(config, $"backends.{pool.Name}.send_proxy",
                $"pool '{pool.Name}' sends a PROXY protocol header, but {what}: the packet engine forwards the client's own packets and cannot add one, so its servers would read the client's bytes as a broken header; remove send_proxy, or serve this pool from proxy frontends only.");
        }

        foreach (var server in pool.Servers)
        {
            if (server.Address is not IPEndPoint serverAddress)
            {
                continue;
            }

            if (serverAddress.Address.IsIPv6LinkLocal)
            {
                yield return Error(config, $"backends.{pool.Name}.servers.{server.Name}.addr",
                    $"server '{server.Name}' ({serverAddress}) has a link-local address, but {what} and the packet engine carries no interface scope to reach it; give the server a global or unique-local address.");
            }
            else if (Family(PacketAddress.From(serverAddress.Address)) is var serverFamily && serverFamily != family)
            {
                yield return Error(config, $"backends.{pool.Name}.servers.{server.Name}.addr",
                    $"server '{server.Name}' ({serverAddress}) is {serverFamily}, but {what} on {family} address {listen}: the packet engine forwards the client's own packets and cannot turn {family} into {serverFamily}; give pool '{pool.Name}' {family} servers only, or serve it from a proxy frontend.");
            }
        }

        // One pool, one family: a second packet frontend of the other family on the same pool could never use its servers.
        var other = config.Frontends.FirstOrDefault(f => f.Pool == frontend.Pool && PacketSettings.ModeOf(f.Mode) is not null
            && Family(PacketAddress.From(f.ListenEndPoint.Address)) != family);
        if (other is not null && string.CompareOrdinal(frontend.Name, other.Name) < 0)
        {
            yield return Error(config, $"{key}.pool",
                $"{what} on {family} address {listen} and frontend '{other.Name}' a packet frontend on {Family(PacketAddress.From(other.ListenEndPoint.Address))} address {other.ListenEndPoint}, both with pool '{pool.Name}': the packet engine cannot turn one family into the other, so one pool cannot serve both; give each family a pool of its own.");
        }
    }

    private static string Family(PacketAddress address) => address.IsIPv4 ? "IPv4" : "IPv6";

    private static string Name(PacketMode mode) => mode == PacketMode.Dsr ? "DSR" : "passthrough";

    private static ConfigError Error(ConveyConfig config, string key, string message) => new(config.Source, 0, 0, key, message);
}
