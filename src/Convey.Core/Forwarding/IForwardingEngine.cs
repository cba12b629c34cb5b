using Convey.Configuration;
using Convey.Runtime;

namespace Convey.Forwarding;

/// <summary>
/// Moves flows for the frontends of the modes it handles. The runtime hands every engine each new live
/// state; an engine opens listeners for frontends that are new to it, rebinds those whose listen address
/// changed, and stops accepting on those no longer in its set while their established flows finish.
/// </summary>
public interface IForwardingEngine
{
    /// <summary>Whether this engine serves frontends of <paramref name="mode"/>.</summary>
    bool Handles(ForwardingMode mode);

    /// <summary>
    /// Checks the settings this engine needs of <paramref name="frontend"/>, a frontend of a mode it handles, before
    /// any configuration is applied and by <c>convey --check</c>: what the engine cannot serve is refused here, with the
    /// rest of the configuration's errors, instead of failing at run time. The default accepts every frontend.
    /// </summary>
    /// <param name="frontend">The frontend to check.</param>
    /// <param name="mode">Its effective mode (its own, or the host's default).</param>
    /// <param name="config">The whole snapshot, for the frontend's pool and the engine's sections.</param>
    /// <returns>
    /// The problems found, each with its key path (for example <c>frontends.web.listen_addr</c>) and a message that
    /// says how to fix it; leave <see cref="ConfigError.Line"/> 0: the runtime places each error in the file.
    /// </returns>
    IEnumerable<ConfigError> Validate(FrontendConfig frontend, ForwardingMode mode, ConveyConfig config) => [];

    /// <summary>
    /// Brings the engine in line with <paramref name="snapshot"/> (only frontends whose mode it handles). A frontend
    /// that cannot receive its traffic is reported on its <see cref="FrontendState"/> (<see cref="FrontendState.ReportNotListening"/>,
    /// and <see cref="FrontendState.ReportListening"/> once it can), retried by the engine, and listed in a
    /// <see cref="FrontendListenException"/> thrown after everything else was applied; a problem that keeps the
    /// engine from forwarding at all is a <see cref="ForwardingException"/>. At start either stops the host.
    /// </summary>
    Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Stops accepting new flows and lets established ones finish until each frontend's drain timeout or until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
