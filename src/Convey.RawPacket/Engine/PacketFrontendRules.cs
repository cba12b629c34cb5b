using System.Net;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// What the packet engine cannot serve, refused when a configuration is validated rather than found at run time:
/// it forwards IPv4 only (IPv6 comes with a later release), it matches packets by their destination address, so a
/// wildcard listen address would match none, and it forwards the client's packets, so it cannot add a PROXY header.
/// </summary>
internal static class PacketFrontendRules
{
    public static IEnumerable<ConfigError> Check(FrontendConfig frontend, PacketMode mode, ConveyConfig config)
    {
        var key = $"frontends.{frontend.Name}";
        var what = $"frontend '{frontend.Name}' is a {Name(mode)} frontend";
        var listen = frontend.ListenEndPoint;
        if (!IPv4Address.TryGet(listen.Address, out var address))
        {
            yield return Error(config, $"{key}.listen_addr",
                $"{what} on {listen}, but the packet engine forwards IPv4 only for now; listen on an IPv4 address, or use mode = \"proxy\", which serves IPv6.");
        }
        else if (address == 0)
        {
            yield return Error(config, $"{key}.listen_addr",
                $"{what} on {listen}, but the packet engine takes a frontend's packets by their destination address, which is never 0.0.0.0; listen on the address of the interface that receives the traffic.");
        }

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
            if (server.Address is IPEndPoint serverAddress && !IPv4Address.TryGet(serverAddress.Address, out _))
            {
                yield return Error(config, $"backends.{pool.Name}.servers.{server.Name}.addr",
                    $"server '{server.Name}' ({serverAddress}) is IPv6, but {what} and the packet engine forwards IPv4 only for now; give the server an IPv4 address, or serve this pool from a proxy frontend.");
            }
        }
    }

    private static string Name(PacketMode mode) => mode == PacketMode.Dsr ? "DSR" : "passthrough";

    private static ConfigError Error(ConveyConfig config, string key, string message) => new(config.Source, 0, 0, key, message);
}
