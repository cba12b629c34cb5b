using System.Text.Json.Serialization;
using Convey.Forwarding;

namespace Convey.Metrics;

/// <summary>
/// The UDP counters of a frontend in a <see cref="StatsSnapshot"/> (<c>udp</c>): its sessions (one per client address
/// and port), datagrams each way, and datagrams dropped by reason.
/// </summary>
public sealed class DatagramStats
{
    [JsonConstructor]
    internal DatagramStats()
    {
    }

    /// <summary>Sessions open now.</summary>
    [JsonInclude]
    public long ActiveSessions { get; internal init; }

    /// <summary>Sessions opened since start.</summary>
    [JsonInclude]
    public long TotalSessions { get; internal init; }

    /// <summary>Datagrams received from its clients and forwarded to servers.</summary>
    [JsonInclude]
    [JsonPropertyName("datagrams_tx")]
    public long DatagramsToServer { get; internal init; }

    /// <summary>Datagrams received from servers and forwarded to its clients.</summary>
    [JsonInclude]
    [JsonPropertyName("datagrams_rx")]
    public long DatagramsToClient { get; internal init; }

    /// <summary>
    /// Datagrams dropped, by reason: <c>session_limit</c> (a new client while the frontend or engine holds its most
    /// sessions), <c>no_server</c> (no server available), <c>server_unreachable</c> (ICMP error from the server's side),
    /// <c>send_failed</c> (send buffer full, too big for the path).
    /// </summary>
    [JsonInclude]
    public IReadOnlyDictionary<string, long> Dropped { get; internal init; } = new Dictionary<string, long>();

    internal static DatagramStats Capture(FrontendState frontend)
    {
        var counters = frontend.Datagrams;
        var dropped = new Dictionary<string, long>(DatagramCounters.ReasonNames.Length, StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<DatagramDropReason>())
        {
            dropped.Add(DatagramCounters.ReasonNames[(int)reason], counters.Dropped(reason));
        }

        return new DatagramStats
        {
            ActiveSessions = frontend.ActiveConnections,
            TotalSessions = frontend.TotalConnections,
            DatagramsToServer = counters.ToServer,
            DatagramsToClient = counters.ToClient,
            Dropped = dropped,
        };
    }
}
