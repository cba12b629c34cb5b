using System.Collections.Concurrent;
using System.Collections.Immutable;
using Convey.Balancing;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Health;

/// <summary>
/// A round-robin selector that counts its rebuilds (<see cref="Update"/>), records the thread of each, and can hold
/// them until the test releases them: a held rebuild shows which thread runs it and what queues up meanwhile.
/// </summary>
internal sealed class HeldSelector : IBackendSelector, IDisposable
{
    private readonly RoundRobinSelector _inner = new();
    private readonly ManualResetEventSlim _released = new(initialState: true);
    private int _rebuilds;

    /// <summary>Rebuilds begun so far (a held one included).</summary>
    public int Rebuilds => Volatile.Read(ref _rebuilds);

    /// <summary>The managed thread id of each rebuild, in order.</summary>
    public ConcurrentQueue<int> Threads { get; } = new();

    /// <summary>Makes the next rebuilds wait in <see cref="Update"/> until <see cref="Release"/>.</summary>
    public void Hold() => _released.Reset();

    public void Release() => _released.Set();

    public void Update(ImmutableArray<ServerState> availableServers)
    {
        Threads.Enqueue(Environment.CurrentManagedThreadId);
        Interlocked.Increment(ref _rebuilds);
        if (!_released.Wait(TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("The test never released a held rebuild.");
        }

        _inner.Update(availableServers);
    }

    public ServerState? Select(in FlowKey flow) => _inner.Select(flow);

    /// <summary>Waits until <paramref name="count"/> rebuilds have begun (a hang guard, not a timing assertion).</summary>
    public void WaitForRebuilds(int count) =>
        Eventually.True(() => Rebuilds >= count, $"{count} rebuilds begin", TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _released.Set();
        _released.Dispose();
    }
}
