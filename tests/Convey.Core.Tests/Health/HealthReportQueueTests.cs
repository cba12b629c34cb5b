using System.Collections.Concurrent;
using Convey.Forwarding;
using Convey.Health;
using Microsoft.Extensions.Time.Testing;
using static Convey.Core.Tests.Runtime.TestConfigs;

namespace Convey.Core.Tests.Health;

public sealed class HealthReportQueueTests
{
    private static readonly TimeSpan RebuildCost = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task After_a_rebuild_the_reader_rests_nine_times_as_long_before_it_applies_the_next_batch()
    {
        var time = new FakeTimeProvider();
        var applied = new ConcurrentQueue<string>();
        var rebuilds = 0;
        using var resting = new SemaphoreSlim(0);
        var rest = TimeSpan.Zero;
        var queue = new HealthReportQueue(
            report =>
            {
                applied.Enqueue(report.Server.Name);
                return true;
            },
            () =>
            {
                Interlocked.Increment(ref rebuilds);
                time.Advance(RebuildCost);
            },
            time);
        queue.Resting += length =>
        {
            rest = length;
            resting.Release();
        };

        queue.TryPost(Failure("a", 8001));
        Assert.True(await resting.WaitAsync(TimeSpan.FromSeconds(30)), "the reader never rested after its first rebuild");
        queue.TryPost(Failure("b", 8002));
        var bApplied = queue.AppliedAsync();
        time.Advance((RebuildCost * HealthReportQueue.RestFactor) - TimeSpan.FromMilliseconds(1));

        Assert.Equal(RebuildCost * HealthReportQueue.RestFactor, rest);
        Assert.False(bApplied.IsCompleted);
        Assert.Equal(["a"], applied);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await bApplied.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["a", "b"], applied);
        Assert.Equal(2, rebuilds);

        // Ending waits out the rest after the second rebuild.
        Assert.True(await resting.WaitAsync(TimeSpan.FromSeconds(30)), "the reader never rested after its second rebuild");
        var completed = queue.CompleteAsync();
        time.Advance(rest);
        await completed.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_completed_queue_refuses_reports_and_its_applied_task_is_already_done()
    {
        var applied = 0;
        var queue = new HealthReportQueue(_ => Interlocked.Increment(ref applied) > 0, () => { }, new FakeTimeProvider());
        Assert.True(queue.TryPost(Failure("a", 8001)));

        await queue.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(queue.TryPost(Failure("b", 8002)));
        Assert.True(queue.AppliedAsync().IsCompleted);
        Assert.Equal(1, applied);
    }

    private static ServerHealthReport Failure(string name, int port) =>
        new(new Convey.Forwarding.ServerState(Server(name, port)), HealthProbeResult.Unhealthy("refused"), HealthTransitionSource.Passive);
}
