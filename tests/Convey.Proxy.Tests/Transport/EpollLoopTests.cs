using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Convey.Proxy.Tests.Support;
using Convey.Proxy.Transport.Epoll;
using Microsoft.Extensions.Logging.Abstractions;

namespace Convey.Proxy.Tests.Transport;

[SupportedOSPlatform("linux")]
public partial class EpollLoopTests
{
    private static readonly AsyncLocal<string?> Caller = new();

    [SkippableFact]
    public async Task Work_posted_from_another_thread_runs_on_the_loop_thread()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");
        using var loop = new EpollLoop("test-loop", NullLogger.Instance);
        var ranOnLoop = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        await Task.Run(() => loop.Post(_ => ranOnLoop.SetResult(loop.IsCurrent), null));

        Assert.False(loop.IsCurrent);
        Assert.True(await ranOnLoop.Task.WaitAsync(Eventually.Patience));
    }

    [SkippableFact]
    public async Task A_failing_work_item_does_not_stop_the_loop()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");
        using var loop = new EpollLoop("test-loop", NullLogger.Instance);
        var ranAfter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        loop.Post(_ => throw new InvalidOperationException("a handler bug"), null);
        loop.Post(_ => ranAfter.SetResult(), null);

        await ranAfter.Task.WaitAsync(Eventually.Patience);
    }

    [SkippableFact]
    public async Task Many_posts_from_many_threads_all_run_once()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");
        using var loop = new EpollLoop("test-loop", NullLogger.Instance);
        var ran = 0;
        var offLoop = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                loop.Post(_ =>
                {
                    ran++;
                    offLoop += loop.IsCurrent ? 0 : 1;
                }, null);
            }
        })));

        await Eventually.TrueAsync(() => Volatile.Read(ref ran) == 80_000, "every posted item ran");
        Assert.Equal(0, offLoop);
    }

    [SkippableFact]
    public async Task Work_on_a_loop_sees_none_of_the_async_locals_of_the_code_that_created_the_loop()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");
        Caller.Value = "the creator's";
        using var loop = new EpollLoop("test-loop", NullLogger.Instance);
        var seen = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        loop.Post(_ => seen.SetResult(Caller.Value), null);

        Assert.Null(await seen.Task.WaitAsync(Eventually.Patience));
    }

    [SkippableFact]
    public async Task A_loop_whose_epoll_wait_fails_stops_the_process_naming_the_loop_and_the_error()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the epoll transport exists on Linux only");

        var (exitCode, error) = await ChildProcess.RunAsync(ChildProcess.EpollLoopFails);

        Assert.True(exitCode == 134, $"exit code {exitCode} (134 is SIGABRT, Environment.FailFast); standard error:\n{error}");
        Assert.Contains("Critical [2301 LoopFailed] Event loop convey-loop-0: epoll_wait failed (errno", error, StringComparison.Ordinal);
        Assert.Matches(FailFastReason(), error);
    }

    [GeneratedRegex(@"Event loop convey-loop-0: epoll_wait failed with errno \d+ \([^)]+\)\. The loop cannot serve its connections any more and would still be handed new ones, so the process stops\.")]
    private static partial Regex FailFastReason();
}
