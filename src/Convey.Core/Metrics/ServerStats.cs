using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>The counters of one server in a <see cref="StatsSnapshot"/>.</summary>
/// <param name="Name">The server's name.</param>
/// <param name="Address">The server's address and port (its identity in the pool).</param>
/// <param name="Healthy">Whether health checks consider it up.</param>
/// <param name="Draining">Whether a reload removed it and it only finishes its established flows.</param>
/// <param name="Weight">Its weight.</param>
/// <param name="CurrentConnections">Connections or flows open to it now.</param>
/// <param name="TotalConnections">Connections or flows opened to it.</param>
/// <param name="BytesIn">Bytes received from it.</param>
/// <param name="BytesOut">Bytes sent to it.</param>
/// <param name="ConnectFailures">Connection attempts to it that failed.</param>
public sealed record ServerStats(
    string Name,
    string Address,
    bool Healthy,
    bool Draining,
    int Weight,
    long CurrentConnections,
    long TotalConnections,
    long BytesIn,
    long BytesOut,
    long ConnectFailures)
{
    internal static ServerStats Capture(ServerState server) => new(
        server.Name,
        server.Address.ToString(),
        server.IsHealthy,
        server.IsDraining,
        server.Weight,
        server.ActiveConnections,
        server.TotalConnections,
        server.BytesReceived,
        server.BytesSent,
        server.ConnectFailures);
}
