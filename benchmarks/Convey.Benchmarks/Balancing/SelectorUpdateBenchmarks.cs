using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using Convey.Balancing;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Benchmarks.Balancing;

/// <summary>
/// What a pool pays when membership, health or weights change: Maglev builds its lookup table, round-robin
/// its smooth cycle. Off the per-flow path, but it runs on every health flap.
/// </summary>
[MemoryDiagnoser]
public class SelectorUpdateBenchmarks
{
    private ImmutableArray<ServerState> _servers = [];
    private IBackendSelector _selector = new MaglevSelector();

    /// <summary>The policy rebuilding.</summary>
    [Params(BalancingPolicyNames.Maglev, BalancingPolicyNames.RoundRobin)]
    public string Policy { get; set; } = BalancingPolicyNames.Maglev;

    /// <summary>Servers in the pool (weights 1 to 10 in turn).</summary>
    [Params(10, 100, 1000)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _servers = BenchmarkPool.Servers(Servers);
        _selector = BenchmarkPool.Selector(Policy);
    }

    [Benchmark]
    public void Update() => _selector.Update(_servers);
}
