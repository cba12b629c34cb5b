using System.Globalization;

namespace Convey.Fleet.Tests.Lab;

/// <summary>The configuration every balancer of the fleet lab runs: one frontend on the VIP, the lab's two backends.</summary>
internal static class FleetConfig
{
    /// <summary>
    /// A frontend on the VIP in <paramref name="mode"/> (<c>"dsr"</c> is L2 DSR, the backends holding the VIP on lo),
    /// a pool of both backends probed every second, and the stats listener /readyz is read from; then
    /// <paramref name="extra"/> (more sections).
    /// </summary>
    public static string Toml(string mode, string extra = "") => string.Create(CultureInfo.InvariantCulture, $"""
        [frontends.web]
        listen_addr = "{FleetLab.Vip}:{FleetLab.Port}"
        backend = "app"
        mode = "{mode}"
        {(mode == "dsr" ? "dsr_method = \"l2\"" : "")}
        drain_timeout = 5

        [backends.app]
        health_check_interval = 1

        [backends.app.servers.b1]
        addr = "198.18.3.11:{FleetLab.Port}"

        [backends.app.servers.b2]
        addr = "198.18.3.12:{FleetLab.Port}"

        [stats]
        port = {FleetLab.StatsPort}

        {extra}
        """);
}
