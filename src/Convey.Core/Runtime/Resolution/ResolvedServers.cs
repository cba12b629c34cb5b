using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Convey.Configuration;

namespace Convey.Runtime.Resolution;

/// <summary>
/// A pool's servers with every host name replaced by the addresses it resolved to: each address is a server with
/// the named server's weight and connection limit, its identity that address like any other server.
/// </summary>
/// <param name="Servers">The servers, each with an IP address, in the order they are configured.</param>
/// <param name="Unresolved">The host names (<c>name:port</c>) that yield no server: never resolved, or no usable address.</param>
internal sealed record ResolvedServers(ImmutableArray<ServerConfig> Servers, ImmutableArray<string> Unresolved)
{
    /// <summary>Expands the host names of <paramref name="pool"/> with <paramref name="hosts"/>.</summary>
    /// <param name="pool">The pool as configured.</param>
    /// <param name="hosts">The addresses each host name resolved to.</param>
    /// <param name="families">The address families the pool's frontends can send flows to.</param>
    /// <remarks>
    /// An address already in the pool (listed as an IP literal, or yielded by an earlier name) is not added again:
    /// a server's address is its identity, and a literal says more than a name that happens to resolve to it.
    /// </remarks>
    public static ResolvedServers Expand(BackendPoolConfig pool, HostAddresses hosts, IReadOnlySet<AddressFamily> families)
    {
        if (!pool.Servers.Any(s => s.Address is DnsEndPoint))
        {
            return new(pool.Servers, []);
        }

        var taken = pool.Servers.Select(s => s.Address).OfType<IPEndPoint>().ToHashSet();
        var servers = ImmutableArray.CreateBuilder<ServerConfig>(pool.Servers.Length);
        var unresolved = ImmutableArray.CreateBuilder<string>();
        foreach (var server in pool.Servers)
        {
            if (server.Address is not DnsEndPoint name)
            {
                servers.Add(server);
                continue;
            }

            var usable = hosts.Of(name.Host).Where(a => families.Contains(a.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : a.AddressFamily)).ToList();
            if (usable.Count == 0)
            {
                unresolved.Add(EndPointText.Format(name));
            }

            foreach (var address in usable)
            {
                var endPoint = new IPEndPoint(address, name.Port);
                if (taken.Add(endPoint))
                {
                    servers.Add(server with { Address = endPoint });
                }
            }
        }

        return new(servers.ToImmutable(), unresolved.ToImmutable());
    }
}
