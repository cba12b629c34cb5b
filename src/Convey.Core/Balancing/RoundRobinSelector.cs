using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// Smooth weighted round-robin, NGINX's algorithm: heavy servers get their share interleaved with the others
/// rather than in bursts, and equal weights give plain round-robin. The pool's cycle is computed on
/// <see cref="Update"/>; a pick is one atomic increment and an array read, so picks never lock and never
/// allocate. A server that cannot take the flow (full, or gone unhealthy since the update) is skipped for the
/// next one that can.
/// </summary>
internal sealed class RoundRobinSelector : IBackendSelector
{
    private Cycle _cycle = new(WeightedServers.Empty, []);

    /// <inheritdoc />
    public void Update(ImmutableArray<ServerState> availableServers)
    {
        var servers = WeightedServers.From(availableServers);
        Volatile.Write(ref _cycle, new Cycle(servers, SmoothWeightedSchedule.Build(servers.Weights)));
    }

    /// <inheritdoc />
    public ServerState? Select(in FlowKey flow)
    {
        var cycle = Volatile.Read(ref _cycle);
        var schedule = cycle.Schedule;
        if (schedule.Length == 0)
        {
            return null;
        }

        var step = (ulong)(Interlocked.Increment(ref cycle.Position) - 1);
        var index = schedule[(int)(step % (uint)schedule.Length)];
        var server = cycle.Servers.Servers[index];
        return server.CanAccept ? server : cycle.Servers.FirstAcceptingFrom(index + 1);
    }

    private sealed class Cycle(WeightedServers servers, int[] schedule)
    {
        // Steps taken in this cycle; a fresh cycle starts at its beginning, as NGINX resets scores on reconfiguration.
        public long Position;

        public WeightedServers Servers { get; } = servers;

        public int[] Schedule { get; } = schedule;
    }
}
