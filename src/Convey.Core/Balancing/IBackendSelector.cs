using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// A balancing policy instance owned by one pool. The pool calls <see cref="Update"/> (never concurrently
/// with itself) whenever the set of available servers or their weights change, and calls
/// <see cref="Select"/> from any number of threads for every new flow. Implementations keep their pick
/// structure in an immutable snapshot swapped atomically, and <see cref="Select"/> allocates nothing.
/// </summary>
public interface IBackendSelector
{
    /// <summary>Replaces the servers to choose among: healthy, not draining, weight above 0.</summary>
    void Update(ImmutableArray<ServerState> availableServers);

    /// <summary>Chooses a server for a new flow; null when no server can take it.</summary>
    ServerState? Select(in FlowKey flow);
}
