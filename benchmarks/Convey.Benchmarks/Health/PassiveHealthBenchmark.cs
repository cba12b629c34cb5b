using System.Diagnostics;
using System.Globalization;
using System.Net;
using Convey.Benchmarks.Proxy;
using Convey.Configuration;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Benchmarks.Health;

/// <summary>
/// Does passive health on one pool slow down another? The proxy engine runs in-process on loopback with two
/// frontends: "healthy" in front of an echo server, "refusing" in front of a Maglev pool of servers that all refuse
/// (ports bound, never listening) while their probes pass. Each round measures the request latency of the healthy
/// pool for a phase while the refusing pool takes a steady stream of connect failures and for a phase without (once
/// every refusing server is back up), in alternating order; the summary is the median over rounds.
/// </summary>
/// <remarks>
/// A bounded harness rather than BenchmarkDotNet: the figure is a tail percentile of individual requests measured
/// while a second, paced load runs alongside, with and without that load in the same process, and BenchmarkDotNet
/// measures whole invocations of one method with nothing running beside it.
/// </remarks>
internal static class PassiveHealthBenchmark
{
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(string[] args)
    {
        var rounds = Option(args, "--rounds", 5);
        var seconds = Option(args, "--seconds", 5);
        var clients = Option(args, "--clients", 8);
        var rate = Option(args, "--rate", 1000);
        var servers = Option(args, "--servers", 1000);
        var balance = Array.IndexOf(args, "--balance") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : "maglev";

        using var echo = new EchoServer();
        using var refusing = new RefusingPorts(servers);
        await using var engine = await EngineUnderTest.StartAsync(Config(echo.EndPoint, refusing.EndPoints, balance), _ => { }, b => b.AddHealthProbe<PassingProbe>());
        using var latency = await EchoLatencyClients.ConnectAsync(engine.FrontendOf("healthy"), clients);
        var load = engine.FrontendOf("refusing");
        var pool = engine.Services.GetRequiredService<ConveyRuntime>().Current.Pools["refusing"];

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"passive-health: {rounds} rounds of 2 x {seconds} s, {clients} echo clients on the healthy pool, {rate} connects/s to a {pool.Policy} pool of {servers} refusing servers, {Environment.ProcessorCount} cores"));

        // Warm-up, not recorded: JIT, connection state, the refusing pool's first flips.
        await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(2), loaded: true);
        await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(2), loaded: false);

        var quiet = new List<Phase>();
        var loaded = new List<Phase>();
        Console.WriteLine("| round | baseline p50 | baseline p99 | loaded p50 | loaded p99 | p99 ratio | connect failures/s | requests per phase |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        for (var round = 1; round <= rounds; round++)
        {
            // Alternate which phase runs first, so a drift of the machine weighs on both alike.
            Phase without, with;
            if (round % 2 == 1)
            {
                without = await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(seconds), loaded: false);
                with = await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(seconds), loaded: true);
            }
            else
            {
                with = await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(seconds), loaded: true);
                without = await PhaseAsync(latency, load, rate, pool, TimeSpan.FromSeconds(seconds), loaded: false);
            }

            quiet.Add(without);
            loaded.Add(with);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {round} | {without.P50:0} µs | {without.P99:0} µs | {with.P50:0} µs | {with.P99:0} µs | {with.P99 / without.P99:0.00} | {with.FailuresPerSecond:0} | {without.Requests} / {with.Requests} |"));
        }

        var baselineP99 = Median(quiet.Select(p => p.P99));
        var loadedP99 = Median(loaded.Select(p => p.P99));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median: baseline p50 {Median(quiet.Select(p => p.P50)):0} µs, p99 {baselineP99:0} µs; loaded p50 {Median(loaded.Select(p => p.P50)):0} µs, p99 {loadedP99:0} µs; " +
            $"p99 ratio {loadedP99 / baselineP99:0.00}; median of per-round ratios {Median(quiet.Zip(loaded, (q, l) => l.P99 / q.P99)):0.00}; " +
            $"connect failures/s {Median(loaded.Select(p => p.FailuresPerSecond)):0}"));
    }

    private static ConveyConfig Config(IPEndPoint echo, IReadOnlyList<IPEndPoint> refusing, string balance) => new()
    {
        Frontends =
        [
            new FrontendConfig { Name = "healthy", ListenEndPoint = EngineUnderTest.FreePort(), Backend = "healthy" },
            new FrontendConfig { Name = "refusing", ListenEndPoint = EngineUnderTest.FreePort(IPAddress.Parse("127.0.0.2")), Backend = "refusing" },
        ],
        Backends =
        [
            new BackendPoolConfig { Name = "healthy", Servers = [new ServerConfig { Name = "echo", Address = echo }] },
            new BackendPoolConfig
            {
                Name = "refusing",
                Balance = balance,
                // One connect attempt per client connection, so connections per second are connect failures per second.
                Retries = 0,
                // Every failure takes its server down and the next round (each second) brings it back.
                HealthCheck = new HealthCheckConfig { Interval = TimeSpan.FromSeconds(1), Rise = 1, Fall = 1 },
                Servers = [.. refusing.Select((address, i) => new ServerConfig { Name = $"s{i}", Address = address })],
            },
        ],
    };

    private static async Task<Phase> PhaseAsync(EchoLatencyClients latency, IPEndPoint load, int rate, BackendPool pool, TimeSpan duration, bool loaded)
    {
        if (!loaded)
        {
            await SettleAsync(pool);
        }

        var failuresBefore = pool.Servers.Sum(s => s.ConnectFailures);
        using var stop = new CancellationTokenSource();
        var generator = loaded ? new RefusedConnectLoad(load, rate).RunAsync(stop.Token) : Task.CompletedTask;
        var latencies = await latency.MeasureAsync(duration);
        await stop.CancelAsync();
        await generator;
        var failures = pool.Servers.Sum(s => s.ConnectFailures) - failuresBefore;
        Array.Sort(latencies);
        return new Phase(Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length, failures / duration.TotalSeconds);
    }

    /// <summary>
    /// Waits until every server of the refusing pool is back up (its probes pass) and a second more, so a baseline
    /// phase measures a settled pool, not the tail of the loaded phase before it.
    /// </summary>
    private static async Task SettleAsync(BackendPool pool)
    {
        var deadline = Stopwatch.GetTimestamp() + (SettleLimit.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        while (pool.Servers.Any(s => !s.IsHealthy))
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"The refusing pool did not settle within {SettleLimit.TotalSeconds} s.");
            }

            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private readonly record struct Phase(double P50, double P99, int Requests, double FailuresPerSecond);
}
