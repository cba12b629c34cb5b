using System.Globalization;
using System.Text.Json.Serialization;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>
/// The counters of one frontend in a <see cref="StatsSnapshot"/>. The first four are the original Convey's keys;
/// <c>tx</c> flows from its clients toward the servers, <c>rx</c> from the servers back to its clients.
/// </summary>
public sealed record FrontendStats
{
    /// <summary>Client connections or flows accepted since start.</summary>
    public long TotalConnections { get; init; }

    /// <summary>Client connections or flows open now.</summary>
    public long CurrentConnections { get; init; }

    /// <summary>Bytes received from its clients (client toward server).</summary>
    public long BytesTx { get; init; }

    /// <summary>Bytes sent to its clients (server toward client).</summary>
    public long BytesRx { get; init; }

    /// <summary>The address and port it listens on.</summary>
    public string ListenAddr { get; init; } = "";

    /// <summary>The pool it feeds.</summary>
    public string Backend { get; init; } = "";

    /// <summary><c>proxy</c>, <c>passthrough</c> or <c>dsr</c>.</summary>
    public string Mode { get; init; } = "";

    /// <summary>Whether its engine receives its traffic now (socket bound, or packet capture set up).</summary>
    public bool Listening { get; init; }

    /// <summary>Why it is not listening (for example "address already in use"); absent while it listens or before its engine has tried.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ListenError { get; init; }

    /// <summary>Whether it was removed and only finishes its established flows.</summary>
    public bool Draining { get; init; }

    /// <summary>Client connections refused.</summary>
    public long RefusedConnections { get; init; }

    /// <summary>Proxied connection attempts to servers that failed.</summary>
    public long ConnectFailures { get; init; }

    /// <summary>Proxied connection attempts repeated on another server after a connect failure.</summary>
    public long Retries { get; init; }

    internal static FrontendStats Capture(FrontendState frontend)
    {
        var binding = frontend.Binding;
        return new FrontendStats
        {
            TotalConnections = frontend.TotalConnections,
            CurrentConnections = frontend.ActiveConnections,
            BytesTx = frontend.BytesIn,
            BytesRx = frontend.BytesOut,
            ListenAddr = binding.Config.ListenEndPoint.ToString(),
            Backend = binding.Pool.Name,
            Mode = ModeName(binding.Mode),
            Listening = frontend.IsListening,
            ListenError = frontend.ListenError,
            Draining = frontend.IsDraining,
            RefusedConnections = frontend.RefusedConnections,
            ConnectFailures = frontend.ConnectFailures,
            Retries = frontend.Retries,
        };
    }

    private static string ModeName(ForwardingMode mode) => mode switch
    {
        ForwardingMode.Proxy => "proxy",
        ForwardingMode.Passthrough => "passthrough",
        ForwardingMode.Dsr => "dsr",
        _ => ((int)mode).ToString(CultureInfo.InvariantCulture),
    };
}
