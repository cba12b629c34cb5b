using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Net.Sockets;
using Convey.Balancing;
using Convey.Forwarding;
using Convey.RawPacket.Engine;
using Convey.RawPacket.Packets;
using Convey.Runtime;
using Microsoft.Extensions.Logging.Testing;

namespace Convey.RawPacket.Tests.Engine;

public class PacketWorkerTests
{
    private static readonly AsyncLocal<string?> Caller = new();

    [SkippableFact]
    public async Task A_worker_whose_packet_handling_throws_counts_and_logs_it_and_goes_on_with_the_next_packets()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "AF_PACKET sockets need root (CAP_NET_RAW)");

        var run = await FailTwiceAsync();

        Assert.True(run.Faulted >= 2, $"faulted drops: {run.Faulted}");
        Assert.NotEmpty(run.Logged);
        Assert.All(run.Logged, record => Assert.IsType<InvalidOperationException>(record.Exception));
    }

    [SkippableFact]
    public async Task A_worker_sees_none_of_the_async_locals_of_the_code_that_applied_the_configuration()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && Environment.UserName == "root", "AF_PACKET sockets need root (CAP_NET_RAW)");

        var run = await FailTwiceAsync();

        Assert.NotEmpty(run.Seen);
        Assert.All(run.Seen, value => Assert.Null(value));
    }

    /// <summary>
    /// A passthrough frontend on loopback, applied with <see cref="Caller"/> set, whose policy fails: connects until its
    /// worker has counted two faulted packets (each connect's SYN is a new flow; no one listens, the kernel resets it).
    /// </summary>
    private static async Task<(long Faulted, IReadOnlyList<FakeLogRecord> Logged, string?[] Seen)> FailTwiceAsync()
    {
        var seen = new ConcurrentQueue<string?>();
        using var port = new ReservedPort();
        var listen = port.EndPoint;
        var snapshot = TestRuntime.CreateRuntime(new BackendSelectorRegistration("throwing", _ => new ThrowingSelector(seen)))
            .Apply(PacketEngineListenTests.Config(listen, balance: "throwing"));
        var logger = new FakeLogger<PacketEngine>();
        await using var engine = new PacketEngine(logger, TimeProvider.System);
        Caller.Value = "the applier's";
        await engine.ApplyAsync(snapshot, CancellationToken.None);
        Caller.Value = null;

        for (var attempt = 0; attempt < 100 && engine.Counters.DroppedFor(DropReason.Faulted) < 2; attempt++)
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(listen));
        }

        var logged = logger.Collector.GetSnapshot().Where(r => r.Id.Id == PacketLogEvents.PacketFailed).ToList();
        return (engine.Counters.DroppedFor(DropReason.Faulted), logged, [.. seen]);
    }

    /// <summary>Records the <see cref="Caller"/> value the worker runs with, then fails as a buggy policy would.</summary>
    private sealed class ThrowingSelector(ConcurrentQueue<string?> seen) : IBackendSelector
    {
        public void Update(ImmutableArray<ServerState> availableServers)
        {
        }

        public ServerState? Select(in FlowKey flow)
        {
            seen.Enqueue(Caller.Value);
            throw new InvalidOperationException("a policy bug");
        }
    }
}
