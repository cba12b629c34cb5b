using System.Diagnostics;
using System.Globalization;
using System.Net;
using Convey.Benchmarks.Proxy;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Convey.Benchmarks.Health;

/// <summary>
/// Does passive health on one pool slow down another? The proxy engine runs in-process on loopback with three
/// frontends: "healthy" in front of an echo server, and "steady" and "flapping" each in front of a Maglev pool of the
/// same servers, which all refuse connections (ports bound, never listening) while their probes pass. Probes run
/// every second. In the flapping pool (fall 1, rise 1) every connect failure takes its server down and the next
/// round brings it back: the most health churn a pool can see. In the steady pool (fall 5) the passing probes reset
/// the count before reports (one per server per second) reach fall: the same connect failures and reports, no
/// health change. Each round measures the request latency of the healthy pool in three phases, in rotating order:
/// no other load (baseline), a steady stream of connects to the steady pool, the same to the flapping pool. Every
/// phase starts once every refusing server is up; the summary is the median over rounds.
/// </summary>
/// <remarks>
/// A bounded harness rather than BenchmarkDotNet: the figure is a tail percentile of individual requests measured
/// while a second, paced load runs alongside, with and without that load in the same process, and BenchmarkDotNet
/// measures whole invocations of one method with nothing running beside it.
/// </remarks>
internal static class PassiveHealthBenchmark
{
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(3);

    private enum Load
    {
        None,
        Steady,
        Flapping,
    }

    public static async Task RunAsync(string[] args)
    {
        var rounds = Option(args, "--rounds", 5);
        var seconds = Option(args, "--seconds", 5);
        var clients = Option(args, "--clients", 8);
        var rate = Option(args, "--rate", 1000);
        var servers = Option(args, "--servers", 1000);
        var duration = TimeSpan.FromSeconds(seconds);

        using var echo = new EchoServer();
        using var refusing = new RefusingPorts(servers);
        await using var engine = await EngineUnderTest.StartAsync(Config(echo.EndPoint, refusing.EndPoints), _ => { }, b => b.AddHealthProbe<PassingProbe>());
        using var latency = await EchoLatencyClients.ConnectAsync(engine.FrontendOf("healthy"), clients);
        var pools = engine.Services.GetRequiredService<ConveyRuntime>().Current.Pools;
        var bench = new Bench(latency, rate, pools["steady"], pools["flapping"], engine.FrontendOf("steady"), engine.FrontendOf("flapping"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"passive-health: {rounds} rounds of 3 x {seconds} s, {clients} echo clients on the healthy pool, {rate} connects/s to a {bench.Flapping.Policy} pool of {servers} refusing servers, {Environment.ProcessorCount} cores"));

        // Warm-up, not recorded: JIT, connection state, the first flips.
        foreach (var load in Enum.GetValues<Load>())
        {
            await bench.PhaseAsync(load, TimeSpan.FromSeconds(2));
        }

        var phases = new Dictionary<Load, List<Phase>> { [Load.None] = [], [Load.Steady] = [], [Load.Flapping] = [] };
        Console.WriteLine("| round | baseline p50 / p99 | steady load p50 / p99 | flapping load p50 / p99 | p99 flapping ÷ baseline | p99 flapping ÷ steady | connect failures/s steady, flapping | health changes/s flapping |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        for (var round = 0; round < rounds; round++)
        {
            // Rotate the order, so a drift of the machine weighs on every phase alike.
            var measured = new Dictionary<Load, Phase>();
            for (var i = 0; i < 3; i++)
            {
                var load = (Load)((round + i) % 3);
                measured[load] = await bench.PhaseAsync(load, duration);
                phases[load].Add(measured[load]);
            }

            var (none, steady, flapping) = (measured[Load.None], measured[Load.Steady], measured[Load.Flapping]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {round + 1} | {none.P50:0} / {none.P99:0} µs | {steady.P50:0} / {steady.P99:0} µs | {flapping.P50:0} / {flapping.P99:0} µs | " +
                $"{flapping.P99 / none.P99:0.00} | {flapping.P99 / steady.P99:0.00} | {steady.FailuresPerSecond:0}, {flapping.FailuresPerSecond:0} | {flapping.ChangesPerSecond:0} |"));
        }

        double P99(Load load) => Median(phases[load].Select(p => p.P99));
        double Ratio(Load over, Load under) => Median(phases[over].Zip(phases[under], (o, u) => o.P99 / u.P99));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"median p99: baseline {P99(Load.None):0} µs, steady load {P99(Load.Steady):0} µs, flapping load {P99(Load.Flapping):0} µs; " +
            $"median of per-round p99 ratios: flapping ÷ baseline {Ratio(Load.Flapping, Load.None):0.00}, steady ÷ baseline {Ratio(Load.Steady, Load.None):0.00}, flapping ÷ steady {Ratio(Load.Flapping, Load.Steady):0.00}; " +
            $"connect failures/s {Median(phases[Load.Flapping].Select(p => p.FailuresPerSecond)):0}, health changes/s {Median(phases[Load.Flapping].Select(p => p.ChangesPerSecond)):0}"));
    }

    private static ConveyConfig Config(IPEndPoint echo, IReadOnlyList<IPEndPoint> refusing) => new()
    {
        Frontends =
        [
            new FrontendConfig { Name = "healthy", ListenEndPoint = EngineUnderTest.FreePort(), Pool = "healthy" },
            new FrontendConfig { Name = "steady", ListenEndPoint = EngineUnderTest.FreePort(IPAddress.Parse("127.0.0.2")), Pool = "steady" },
            new FrontendConfig { Name = "flapping", ListenEndPoint = EngineUnderTest.FreePort(IPAddress.Parse("127.0.0.3")), Pool = "flapping" },
        ],
        Pools =
        [
            new BackendPoolConfig { Name = "healthy", Servers = [new ServerConfig { Name = "echo", Address = echo }] },
            Refusing("steady", fall: 5, refusing),
            Refusing("flapping", fall: 1, refusing),
        ],
    };

    private static BackendPoolConfig Refusing(string name, int fall, IReadOnlyList<IPEndPoint> servers) => new()
    {
        Name = name,
        Balance = "maglev",
        // One connect attempt per client connection, so connections per second are connect failures per second.
        Retries = 0,
        HealthCheck = new HealthCheckConfig { Interval = TimeSpan.FromSeconds(1), Rise = 1, Fall = fall },
        Servers = [.. servers.Select((address, i) => new ServerConfig { Name = $"s{i}", Address = address })],
    };

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

    private readonly record struct Phase(double P50, double P99, double FailuresPerSecond, double ChangesPerSecond);

    /// <summary>The engine's pools and frontends under test, and the health changes of the flapping pool counted as they happen.</summary>
    private sealed class Bench
    {
        private readonly EchoLatencyClients _latency;
        private readonly int _rate;
        private readonly BackendPool _steady;
        private readonly IPEndPoint _steadyFrontend;
        private readonly IPEndPoint _flappingFrontend;
        private long _changes;

        public Bench(EchoLatencyClients latency, int rate, BackendPool steady, BackendPool flapping, IPEndPoint steadyFrontend, IPEndPoint flappingFrontend)
        {
            _latency = latency;
            _rate = rate;
            _steady = steady;
            Flapping = flapping;
            _steadyFrontend = steadyFrontend;
            _flappingFrontend = flappingFrontend;
            flapping.ServerHealthChanged += (_, _) => Interlocked.Increment(ref _changes);
        }

        public BackendPool Flapping { get; }

        public async Task<Phase> PhaseAsync(Load load, TimeSpan duration)
        {
            await SettleAsync();
            var pool = load == Load.Steady ? _steady : Flapping;
            var failuresBefore = pool.Servers.Sum(s => s.ConnectFailures);
            var changesBefore = Interlocked.Read(ref _changes);
            using var stop = new CancellationTokenSource();
            var generator = load == Load.None
                ? Task.CompletedTask
                : new RefusedConnectLoad(load == Load.Steady ? _steadyFrontend : _flappingFrontend, _rate).RunAsync(stop.Token);
            var latencies = await _latency.MeasureAsync(duration);
            await stop.CancelAsync();
            await generator;
            var failures = load == Load.None ? 0 : pool.Servers.Sum(s => s.ConnectFailures) - failuresBefore;
            var changes = Interlocked.Read(ref _changes) - changesBefore;
            Array.Sort(latencies);
            return new Phase(Percentile(latencies, 0.50), Percentile(latencies, 0.99), failures / duration.TotalSeconds, changes / duration.TotalSeconds);
        }

        /// <summary>
        /// Waits until every refusing server is up (its probes pass) and a second more, so a phase measures settled
        /// pools, not the tail of the phase before it.
        /// </summary>
        private async Task SettleAsync()
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(SettleLimit.TotalSeconds * Stopwatch.Frequency);
            while (_steady.Servers.Any(s => !s.IsHealthy) || Flapping.Servers.Any(s => !s.IsHealthy))
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"The refusing pools did not settle within {SettleLimit.TotalSeconds} s.");
                }

                await Task.Delay(50);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
