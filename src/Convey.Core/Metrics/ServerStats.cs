using System.Text.Json.Serialization;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one server in a <see cref="StatsSnapshot"/>. Bytes by direction as the original Convey counted
/// them: <c>tx</c> flows from the client toward the server, <c>rx</c> from the server back toward the client.
/// </summary>
public sealed class ServerStats
{
    [JsonConstructor]
    internal ServerStats()
    {
    }

    /// <summary>The server's name.</summary>
    [JsonInclude]
    public string Name { get; internal init; } = "";

    /// <summary>The server's address and port (its identity in the pool).</summary>
    [JsonInclude]
    public string Address { get; internal init; } = "";

    /// <summary>Whether health checks consider it up.</summary>
    [JsonInclude]
    public bool Healthy { get; internal init; }

    /// <summary>Whether it is new to its pool and not probed yet (it takes no new flows unless its pool is at its cold start).</summary>
    [JsonInclude]
    public bool Pending { get; internal init; }

    /// <summary>Whether a reload removed it and it only finishes its established flows.</summary>
    [JsonInclude]
    public bool Draining { get; internal init; }

    /// <summary>Its weight.</summary>
    [JsonInclude]
    public int Weight { get; internal init; }

    /// <summary>Connections or flows opened to it.</summary>
    [JsonInclude]
    public long TotalConnections { get; internal init; }

    /// <summary>Connections or flows open to it now.</summary>
    [JsonInclude]
    public long CurrentConnections { get; internal init; }

    /// <summary>Bytes sent to it (client toward server).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_tx")]
    public long BytesToServer { get; internal init; }

    /// <summary>Bytes received from it (server toward client).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_rx")]
    public long BytesToClient { get; internal init; }

    /// <summary>Connection attempts to it that failed.</summary>
    [JsonInclude]
    public long ConnectFailures { get; internal init; }

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
        BytesToServer = server.BytesToServer,
        BytesToClient = server.BytesToClient,
        ConnectFailures = server.ConnectFailures,
    };
}
