using System.Runtime.Versioning;
using Convey.Proxy.Tests.Support;
using Convey.Proxy.Transport.Epoll;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Tests.Transport;

/// <summary>
/// In a child process: an event loop whose epoll descriptor is closed under it, so its next epoll_wait really
/// fails (EBADF). The loop's log goes to standard error as it is written, for the parent test to read.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class EpollLoopFailure
{
    public static int Run()
    {
        var logger = new FakeLogger(new FakeLogCollector(Options.Create(new FakeLogCollectorOptions
        {
            OutputSink = Console.Error.WriteLine,
            OutputFormatter = record => $"{record.Level} [{record.Id.Id} {record.Id.Name}] {record.Message}",
        })));

        var before = EpollDescriptors();
        var loop = new EpollLoop("convey-loop-0", logger);
        var descriptor = EpollDescriptors().Except(before).Single();

        Native.Close(descriptor);

        // Wakes a loop already waiting: the wait in progress returns, the next one fails.
        loop.Post(static _ => { }, null);

        Thread.Sleep(Eventually.Patience);
        Console.Error.WriteLine("The loop went on after its epoll_wait failed.");
        return 3;
    }

    private static HashSet<int> EpollDescriptors() =>
        [.. from path in Directory.GetFiles("/proc/self/fd")
            where new FileInfo(path).LinkTarget == "anon_inode:[eventpoll]"
            select int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture)];
}
