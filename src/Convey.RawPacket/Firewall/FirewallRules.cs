using System.Globalization;
using System.Net;
using System.Text;
using Convey.Configuration;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Tracking;

namespace Convey.RawPacket.Firewall;

/// <summary>
/// The nftables rules the packet engine needs: the balancer's own kernel must not answer (with RST) packets for
/// a passthrough or DSR frontend, nor passthrough replies to the NAT ports. The rules drop those packets in a
/// <c>prerouting</c> chain at <c>raw</c> priority; the engine has already seen them, because AF_PACKET taps
/// the interface before netfilter runs. They live in a table of their own, <c>inet convey</c>.
/// </summary>
public static class FirewallRules
{
    /// <summary>The nftables table holding the rules (family <c>inet</c>).</summary>
    public const string TableName = "convey";

    /// <summary>
    /// The rules for every passthrough and DSR frontend of <paramref name="config"/>, as an <c>nft -f</c> script, for
    /// users who manage their firewall themselves (<c>Convey.Host --print-firewall</c>). Empty when there is no such frontend.
    /// </summary>
    /// <param name="config">The configuration.</param>
    /// <param name="defaultMode">Mode of frontends that do not set one (the host's <c>--passthrough</c>/<c>--dsr</c>).</param>
    public static string Render(ConveyConfig config, string defaultMode = "proxy")
    {
        ArgumentNullException.ThrowIfNull(config);
        var engine = PacketSettings.EngineOf(config);
        return Render(config.Frontends
            .Select(f => (Frontend: f, Mode: f.Mode ?? defaultMode))
            .Where(f => PacketSettings.ModeOf(f.Mode) is not null)
            .Select(f => (f.Frontend.Name, f.Frontend.ListenEndPoint, f.Mode == PacketSettings.PassthroughMode, PacketSettings.InterfaceOf(f.Frontend, engine))));
    }

    /// <summary>
    /// The script for the given frontends; an empty string when there are none. A frontend that takes its packets on one
    /// interface has its rule on that interface only, so the same address and port arriving elsewhere (unserved) is
    /// answered by the kernel as usual. The NAT ports are dropped wherever they arrive: replies follow the route to the servers.
    /// </summary>
    internal static string Render(IEnumerable<(string Name, IPEndPoint EndPoint, bool Passthrough, string? Interface)> frontends)
    {
        var list = frontends.ToList();
        if (list.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"table inet {TableName} {{\n");
        text.Append("\tchain prerouting {\n");
        text.Append("\t\ttype filter hook prerouting priority raw; policy accept;\n");
        foreach (var (name, endPoint, _, nic) in list)
        {
            var arriving = nic is null ? string.Empty : $"iifname \"{nic}\" ";
            text.Append(CultureInfo.InvariantCulture, $"\t\t{arriving}{Family(endPoint)} daddr {endPoint.Address} tcp dport {endPoint.Port} drop comment \"frontend {Quote(name)}: answered by the packet engine\"\n");
        }

        foreach (var address in list.Where(f => f.Passthrough).Select(f => f.EndPoint.Address).Distinct())
        {
            text.Append(CultureInfo.InvariantCulture, $"\t\t{Family(address)} daddr {address} tcp dport {NatPortAllocator.FirstPort}-{NatPortAllocator.LastPort} drop comment \"passthrough NAT ports\"\n");
        }

        text.Append("\t}\n}\n");
        return text.ToString();
    }

    /// <summary>
    /// What a stopped engine leaves behind: the frontends' addresses and ports in a set whose elements expire after
    /// <paramref name="grace"/>, dropped until then, so the kernel does not reset their flows while the balancer restarts.
    /// A restart replaces the table at once; without one the set empties and the kernel answers as usual. Empty when there
    /// are no frontends.
    /// </summary>
    internal static string RenderAfterStop(IEnumerable<IPEndPoint> frontends, TimeSpan grace)
    {
        var byFamily = frontends.Distinct().GroupBy(Family).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (byFamily.Count == 0)
        {
            return string.Empty;
        }

        var seconds = (long)Math.Ceiling(grace.TotalSeconds);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"table inet {TableName} {{\n");
        foreach (var family in byFamily)
        {
            var elements = string.Join(", ", family.Select(e => $"{e.Address} . {e.Port} timeout {seconds}s"));
            var type = family.Key == "ip6" ? "ipv6_addr" : "ipv4_addr";
            text.Append(CultureInfo.InvariantCulture, $"\tset stopped_{family.Key} {{\n\t\ttype {type} . inet_service\n\t\tflags timeout\n\t\telements = {{ {elements} }}\n\t}}\n");
        }

        text.Append("\tchain prerouting {\n");
        text.Append("\t\ttype filter hook prerouting priority raw; policy accept;\n");
        foreach (var family in byFamily)
        {
            text.Append(CultureInfo.InvariantCulture, $"\t\t{family.Key} daddr . tcp dport @stopped_{family.Key} drop comment \"frontends of a stopped Convey: until it restarts or {seconds}s pass\"\n");
        }

        text.Append("\t}\n}\n");
        return text.ToString();
    }

    private static string Family(IPEndPoint endPoint) => Family(endPoint.Address);

    private static string Family(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ip6" : "ip";

    private static string Quote(string name) => name.Replace("\"", string.Empty, StringComparison.Ordinal);
}
