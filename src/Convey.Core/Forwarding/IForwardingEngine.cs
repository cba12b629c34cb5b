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

    /// <summary>Brings the engine in line with <paramref name="snapshot"/> (only frontends whose mode it handles).</summary>
    Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>Stops accepting new flows and lets established ones finish until each frontend's drain timeout or until <paramref name="cancellationToken"/> is cancelled.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}
