using Microsoft.Extensions.Hosting;

namespace Convey.Host.Hosting;

/// <summary>
/// Once everything listens, collects the start's garbage (the configuration's parse tree, the service provider's
/// build, the listeners' set-up) and hands the freed memory back to the system. A balancer then idles for hours
/// on a few megabytes of live objects; without this, the heap the start grew stays committed until allocations
/// happen to trigger a collection (docs/benchmarks.md, Host footprint).
/// </summary>
internal sealed class StartupMemoryRelease : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Task.CompletedTask;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
