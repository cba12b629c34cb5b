using System.Globalization;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Metrics;

/// <summary>The counters of one frontend in a <see cref="StatsSnapshot"/>.</summary>
/// <param name="ListenAddr">The address and port it listens on.</param>
/// <param name="Backend">The pool it feeds.</param>
/// <param name="Mode"><c>proxy</c>, <c>passthrough</c> or <c>dsr</c>.</param>
/// <param name="Draining">Whether it was removed and only finishes its established flows.</param>
/// <param name="CurrentConnections">Client connections or flows open now.</param>
/// <param name="TotalConnections">Client connections or flows accepted since start.</param>
/// <param name="RefusedConnections">Client connections refused.</param>
/// <param name="BytesIn">Bytes received from clients.</param>
/// <param name="BytesOut">Bytes sent to clients.</param>
/// <param name="ConnectFailures">Proxied connection attempts to servers that failed.</param>
/// <param name="Retries">Proxied connection attempts repeated on another server after a connect failure.</param>
public sealed record FrontendStats(
    string ListenAddr,
    string Backend,
    string Mode,
    bool Draining,
    long CurrentConnections,
    long TotalConnections,
    long RefusedConnections,
    long BytesIn,
    long BytesOut,
    long ConnectFailures,
    long Retries)
{
    internal static FrontendStats Capture(FrontendState frontend)
    {
        var binding = frontend.Binding;
        return new FrontendStats(
            binding.Config.ListenEndPoint.ToString(),
            binding.Pool.Name,
            ModeName(binding.Mode),
            frontend.IsDraining,
            frontend.ActiveConnections,
            frontend.TotalConnections,
            frontend.RefusedConnections,
            frontend.BytesIn,
            frontend.BytesOut,
            frontend.ConnectFailures,
            frontend.Retries);
    }

    private static string ModeName(ForwardingMode mode) => mode switch
    {
        ForwardingMode.Proxy => "proxy",
        ForwardingMode.Passthrough => "passthrough",
        ForwardingMode.Dsr => "dsr",
        _ => ((int)mode).ToString(CultureInfo.InvariantCulture),
    };
}
