using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one server in a <see cref="StatsSnapshot"/>. Bytes by direction as the original Convey counted
/// them: <c>tx</c> flows from the client toward the server, <c>rx</c> from the server back toward the client.
/// </summary>
public sealed record ServerStats
{
    /// <summary>The server's name.</summary>
    public string Name { get; init; } = "";

    /// <summary>The server's address and port (its identity in the pool).</summary>
    public string Address { get; init; } = "";

    /// <summary>Whether health checks consider it up.</summary>
    public bool Healthy { get; init; }

    /// <summary>Whether it is new to its pool and not probed yet (it takes no new flows unless its pool is at its cold start).</summary>
    public bool Pending { get; init; }

    /// <summary>Whether a reload removed it and it only finishes its established flows.</summary>
    public bool Draining { get; init; }

    /// <summary>Its weight.</summary>
    public int Weight { get; init; }

    /// <summary>Connections or flows opened to it.</summary>
    public long TotalConnections { get; init; }

    /// <summary>Connections or flows open to it now.</summary>
    public long CurrentConnections { get; init; }

    /// <summary>Bytes sent to it (client toward server).</summary>
    public long BytesTx { get; init; }

    /// <summary>Bytes received from it (server toward client).</summary>
    public long BytesRx { get; init; }

    /// <summary>Connection attempts to it that failed.</summary>
    public long ConnectFailures { get; init; }

    internal static ServerStats Capture(ServerState server) => new()
    {
        Name = server.Name,
        Address = server.Address.ToString(),
        Healthy = server.IsHealthy,
        Pending = server.IsPending,
        Draining = server.IsDraining,
        Weight = server.Weight,
        TotalConnections = server.TotalConnections,
        CurrentConnections = server.ActiveConnections,
        BytesTx = server.BytesSent,
        BytesRx = server.BytesReceived,
        ConnectFailures = server.ConnectFailures,
    };
}
