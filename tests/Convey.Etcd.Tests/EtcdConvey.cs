using Convey.Configuration;
using Convey.Etcd;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Convey.Etcd.Tests;

/// <summary>
/// Convey's control plane (<c>AddConveyCore().AddEtcdConfig(...)</c>, no engine) running from an etcd key, with its
/// log collected: what an embedding application builds, without sockets of its own.
/// </summary>
internal sealed class EtcdConvey : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private EtcdConvey(ServiceProvider provider)
    {
        _provider = provider;
        Service = provider.GetRequiredService<ConveyService>();
        Runtime = provider.GetRequiredService<ConveyRuntime>();
        Source = provider.GetRequiredService<EtcdConfigSource>();
        Log = provider.GetFakeLogCollector();
    }

    public ConveyService Service { get; }

    public ConveyRuntime Runtime { get; }

    public EtcdConfigSource Source { get; }

    public FakeLogCollector Log { get; }

    /// <summary>The configuration in force.</summary>
    public ConveyConfig Config => Runtime.Current.Config;

    /// <summary>The address of the only server of pool <c>pool</c> in force.</summary>
    public string ServerAddress => Config.Pools.Single().Servers.Single().Address.ToString()!;

    /// <summary>Starts Convey from <paramref name="uri"/>; throws what the start throws.</summary>
    public static async Task<EtcdConvey> StartAsync(string uri, Action<EtcdConfigOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false);
        services.AddLogging(l => l.SetMinimumLevel(LogLevel.Debug));
        services.AddConveyCore().AddEtcdConfig(uri, o =>
        {
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            configure?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        var convey = new EtcdConvey(provider);
        try
        {
            await convey.Service.StartAsync(default);
            return convey;
        }
        catch
        {
            await convey.DisposeAsync();
            throw;
        }
    }

    /// <summary>A complete configuration whose one pool has the server <paramref name="serverAddress"/>.</summary>
    public static string Toml(string serverAddress) => $"""
        [frontends.web]
        listen_addr = "127.0.0.1:3000"
        backend = "pool"

        [backends.pool.servers.s1]
        addr = "{serverAddress}"
        """;

    /// <summary>
    /// Waits until the configuration of <paramref name="revision"/> is in force and its reload recorded as applied (the
    /// runtime switches a moment before the service records the outcome).
    /// </summary>
    public Task AppliedAsync(long revision) =>
        Eventually.TrueAsync(
            () => Config.Revision == revision && Service.LastReload is { Result: ReloadResult.Applied } last && last.Revision == revision,
            $"revision {revision} is in force (in force: {Config.Revision})");

    public async ValueTask DisposeAsync()
    {
        await Service.StopAsync(default);
        await _provider.DisposeAsync();
    }
}
