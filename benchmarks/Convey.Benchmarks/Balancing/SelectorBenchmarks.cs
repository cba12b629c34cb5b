using BenchmarkDotNet.Attributes;
using Convey.Balancing;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Benchmarks.Balancing;

/// <summary>
/// One pick of each built-in policy, single-threaded, over distinct client flows. Every pick must show
/// 0 bytes allocated: it runs once per new connection or flow.
/// </summary>
[MemoryDiagnoser]
public class SelectorBenchmarks
{
    private const int FlowCount = 1 << 12;
    private readonly FlowKey[] _flows = new FlowKey[FlowCount];
    private IBackendSelector _selector = new RoundRobinSelector();
    private int _next;

    /// <summary>The policy picking.</summary>
    [Params(
        BalancingPolicyNames.RoundRobin,
        BalancingPolicyNames.WeightedRandom,
        BalancingPolicyNames.LeastConnections,
        BalancingPolicyNames.PowerOfTwoChoices,
        BalancingPolicyNames.Maglev,
        BalancingPolicyNames.MaglevSource)]
    public string Policy { get; set; } = BalancingPolicyNames.RoundRobin;

    /// <summary>Servers in the pool (weights 1 to 10 in turn).</summary>
    [Params(10, 100)]
    public int Servers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (var i = 0; i < FlowCount; i++)
        {
            _flows[i] = FlowKey.FromIPv4((uint)random.Next(), (ushort)random.Next(1024, 65536), 0xC612_0001, 443);
        }

        var servers = BenchmarkPool.Servers(Servers);
        foreach (var server in servers)
        {
            // Uneven load so the load-aware policies compare real numbers.
            for (var c = random.Next(50); c > 0; c--)
            {
                server.OnConnectionOpened();
            }
        }

        _selector = BenchmarkPool.Selector(Policy);
        _selector.Update(servers);
    }

    [Benchmark]
    public ServerState? Select() => _selector.Select(in _flows[_next++ & (FlowCount - 1)]);
}
