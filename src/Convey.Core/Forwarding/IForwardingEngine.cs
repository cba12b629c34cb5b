using Convey.Configuration;
using Convey.Runtime;

namespace Convey.Forwarding;

/// <summary>
/// Moves flows for the frontends of the modes it serves. The runtime hands every engine each new live state; an
/// engine opens listeners for frontends that are new to it, rebinds those whose listen address changed, and stops
/// accepting on those no longer in its set while their established flows finish. An engine owns the settings its
/// frontends and pools need beyond Core's own (<see cref="IConfigSettingsOwner"/>) and checks them before any
/// configuration is applied, and in <c>convey --check</c>.
/// </summary>
public interface IForwardingEngine : IConfigSettingsOwner
{
    /// <summary>The modes it serves, by the name a frontend gives in <c>mode</c> (for example <c>proxy</c>).</summary>
    IReadOnlyCollection<string> Modes { get; }

    /// <summary>
    /// The balancing policy of a pool that names none and serves frontends of <paramref name="mode"/>; null leaves the
    /// choice to other modes, then <c>round_robin</c>. The packet engine wants <c>maglev</c>: its flows must stick to a
    /// server without shared state.
    /// </summary>
    string? DefaultPolicy(string mode) => null;

    /// <summary>Whether flows of <paramref name="mode"/> can go to IPv6 servers; when not, host names resolve to their IPv4 addresses only.</summary>
    bool ServesIPv6(string mode) => true;

    /// <summary>
    /// Whether flows of <paramref name="mode"/> reach only servers of the family of the frontend's address (an engine that
    /// forwards the client's own packets cannot turn IPv4 into IPv6); when so, the host names of a pool behind such a
    /// frontend resolve to that family's addresses only.
    /// </summary>
    bool KeepsAddressFamily(string mode) => false;

    /// <summary>Whether frontends of <paramref name="mode"/> can serve <paramref name="protocol"/>; by default TCP only.</summary>
    bool ServesProtocol(string mode, FrontendProtocol protocol) => protocol == FrontendProtocol.Tcp;

    /// <summary>
    /// Brings the engine in line with <paramref name="snapshot"/> (only frontends whose mode it serves). A frontend
    /// that cannot receive its traffic is reported on its <see cref="FrontendState"/> (<see cref="FrontendState.ReportNotListening"/>,
    /// and <see cref="FrontendState.ReportListening()"/> once it can), retried by the engine, and listed in a
    /// <see cref="FrontendListenException"/> thrown after everything else was applied; a problem that keeps the
    /// engine from forwarding at all is a <see cref="ForwardingException"/>. At start either stops the host.
    /// </summary>
    Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Stops accepting new flows and lets established ones finish until each frontend's drain timeout or until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
