using System.Globalization;
using System.Text.Json.Serialization;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one frontend in a <see cref="StatsSnapshot"/>. The first four are the original Convey's keys;
/// <c>tx</c> flows from its clients toward the servers, <c>rx</c> from the servers back to its clients.
/// </summary>
public sealed class FrontendStats
{
    [JsonConstructor]
    internal FrontendStats()
    {
    }

    /// <summary>Client connections or flows accepted since start.</summary>
    [JsonInclude]
    public long TotalConnections { get; internal init; }

    /// <summary>Client connections or flows open now.</summary>
    [JsonInclude]
    public long CurrentConnections { get; internal init; }

    /// <summary>Bytes received from its clients (client toward server).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_tx")]
    public long BytesToServer { get; internal init; }

    /// <summary>Bytes sent to its clients (server toward client).</summary>
    [JsonInclude]
    [JsonPropertyName("bytes_rx")]
    public long BytesToClient { get; internal init; }

    /// <summary>The address and port it listens on.</summary>
    [JsonInclude]
    public string ListenAddr { get; internal init; } = "";

    /// <summary>The pool it feeds.</summary>
    [JsonInclude]
    [JsonPropertyName("backend")]
    public string Pool { get; internal init; } = "";

    /// <summary><c>proxy</c>, <c>passthrough</c> or <c>dsr</c>.</summary>
    [JsonInclude]
    public string Mode { get; internal init; } = "";

    /// <summary>Whether its engine receives its traffic now (socket bound, or packet capture set up).</summary>
    [JsonInclude]
    public bool Listening { get; internal init; }

    /// <summary>Why it is not listening (for example "address already in use"); absent while it listens or before its engine has tried.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public string? ListenError { get; internal init; }

    /// <summary>
    /// The I/O path its engine serves it on: the proxy engine's <c>epoll</c> or <c>sockets</c>, the packet engine's
    /// <c>af_xdp</c> or <c>af_packet</c>; absent while it is not listening or when its engine names none.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public string? Transport { get; internal init; }

    /// <summary>Whether it was removed and only finishes its established flows.</summary>
    [JsonInclude]
    public bool Draining { get; internal init; }

    /// <summary>Client connections refused.</summary>
    [JsonInclude]
    public long RefusedConnections { get; internal init; }

    /// <summary>
    /// Client connections closed by a connection inspector before reaching a server: no valid PROXY header
    /// (<c>accept_proxy</c>), no valid TLS ClientHello (<c>no_client_hello = "reject"</c>), or an application's inspector.
    /// </summary>
    [JsonInclude]
    public long RejectedConnections { get; internal init; }

    /// <summary>Proxied connection attempts to servers that failed.</summary>
    [JsonInclude]
    public long ConnectFailures { get; internal init; }

    /// <summary>Proxied connection attempts repeated on another server after a connect failure.</summary>
    [JsonInclude]
    public long Retries { get; internal init; }

    /// <summary><c>tcp</c> or <c>udp</c>.</summary>
    [JsonInclude]
    public string Protocol { get; internal init; } = "tcp";

    /// <summary>Sessions and datagrams of a UDP frontend; absent for TCP.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public DatagramStats? Udp { get; internal init; }

    internal static FrontendStats Capture(FrontendState frontend)
    {
        var binding = frontend.Binding;
        return new FrontendStats
        {
            TotalConnections = frontend.TotalConnections,
            CurrentConnections = frontend.ActiveConnections,
            BytesToServer = frontend.BytesToServer,
            BytesToClient = frontend.BytesToClient,
            ListenAddr = binding.Config.ListenEndPoint.ToString(),
            Pool = binding.Pool.Name,
            Mode = binding.Mode,
            Listening = frontend.IsListening,
            ListenError = frontend.ListenError,
            Transport = frontend.Transport,
            Draining = frontend.IsDraining,
            RefusedConnections = frontend.RefusedConnections,
            RejectedConnections = frontend.RejectedConnections,
            ConnectFailures = frontend.ConnectFailures,
            Retries = frontend.Retries,
            Protocol = binding.Config.Protocol == FrontendProtocol.Udp ? "udp" : "tcp",
            Udp = binding.Config.Protocol == FrontendProtocol.Udp ? DatagramStats.Capture(frontend) : null,
        };
    }
}
