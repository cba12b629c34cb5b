using System.Collections.Immutable;
using Convey.Forwarding;

namespace Convey.Proxy.Inspection;

/// <summary>
/// The inspectors of one frontend, in the order they run, and the pools they may choose among (those of the
/// configuration applied last). Built each time a configuration is applied; null for a frontend without inspectors,
/// whose connections go straight to the relay as before.
/// </summary>
internal sealed class InspectionChain(ImmutableArray<IConnectionInspector> inspectors, ImmutableDictionary<string, BackendPool> pools)
{
    public ImmutableArray<IConnectionInspector> Inspectors { get; } = inspectors;

    public BackendPool? FindPool(string name) => pools.GetValueOrDefault(name);
}
