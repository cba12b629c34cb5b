using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Weighted Maglev consistent hashing (NSDI 2016). A flow's server depends only on its key and the set of
/// servers, never on earlier picks, so balancers that share nothing agree on placement and a packet-mode
/// flow keeps its server without a connection table; when a server leaves, mostly its own flows move.
/// The table is rebuilt on <see cref="Update"/>; a pick is a hash and an array read.
/// </summary>
/// <param name="key">What to hash: the whole flow (<c>maglev</c>) or the client address (<c>maglev_source</c>).</param>
internal sealed class MaglevSelector(MaglevKey key) : IBackendSelector
{
    private MaglevTable _table = MaglevTable.Build([]);

    /// <summary>Creates a selector keyed on the whole flow.</summary>
    public MaglevSelector()
        : this(MaglevKey.Flow)
    {
    }

    /// <summary>What the selector hashes.</summary>
    public MaglevKey Key { get; } = key;

    /// <inheritdoc />
    public void Update(ImmutableArray<ServerState> availableServers) =>
        Volatile.Write(ref _table, MaglevTable.Build(availableServers));

    /// <inheritdoc />
    public ServerState? Select(in FlowKey flow) =>
        Volatile.Read(ref _table).Pick(Key == MaglevKey.SourceAddress ? StableHash.OfSource(flow) : StableHash.OfFlow(flow));
}
