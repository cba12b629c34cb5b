using BenchmarkDotNet.Running;
using Convey.Benchmarks.Health;

if (args is ["passive-health", .. var options])
{
    await PassiveHealthBenchmark.RunAsync(options);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
