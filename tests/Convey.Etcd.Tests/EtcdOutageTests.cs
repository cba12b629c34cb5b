using System.Net;

namespace Convey.Etcd.Tests;

/// <summary>
/// Convey across etcd outages: a partition (a relay between Convey and etcd is cut, while the test still writes to
/// etcd) and a crash (etcd killed and started again on its data). Each test has its own etcd.
/// </summary>
public sealed class EtcdOutageTests : IAsyncLifetime
{
    private const int Unreachable = 6003;
    private const int Reachable = 6004;
    private const string Key = "convey/config";
    private EtcdServer? _server;

    private EtcdServer Server => _server!;

    public async Task InitializeAsync() => _server = await EtcdServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task During_a_partition_the_configuration_in_force_stays_and_afterwards_the_newest_revision_is_caught_up()
    {
        await using var relay = new TcpRelay(IPEndPoint.Parse(Server.Endpoint));
        var first = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync($"etcd://{relay.EndPoint}/{Key}");

        relay.Cut();
        await Eventually.TrueAsync(() => convey.Log.GetSnapshot().Any(r => r.Id.Id == Unreachable), "the source reports etcd unreachable");
        await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8081"));
        var refusedMeanwhile = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:bad"));
        var newest = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8083"));
        // The revisions the watch missed are compacted away: catching up cannot rely on etcd's history.
        await Server.CompactAsync(newest);
        convey.Service.RequestReload();
        await Eventually.TrueAsync(() => convey.Service.LastReload is not null, "the requested reload ran");

        Assert.Equal(first, convey.Config.Revision);
        Assert.Equal("127.0.0.1:8080", convey.ServerAddress);
        Assert.NotEqual(refusedMeanwhile, convey.Service.LastReload?.Revision);

        relay.Heal();
        await convey.AppliedAsync(newest);
        Assert.Equal("127.0.0.1:8083", convey.ServerAddress);
        Assert.Single(convey.Log.GetSnapshot(), r => r.Id.Id == Reachable);

        var afterwards = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8084"));
        await convey.AppliedAsync(afterwards);
    }

    [SkippableFact]
    public async Task When_etcd_is_killed_and_started_again_the_configuration_stays_and_puts_are_followed_again()
    {
        var first = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync($"etcd://{Server.Endpoint}/{Key}");

        Server.Kill();
        await Eventually.TrueAsync(() => convey.Log.GetSnapshot().Any(r => r.Id.Id == Unreachable), "the source reports etcd unreachable");
        Assert.Equal(first, convey.Config.Revision);

        await Server.StartAgainAsync();
        var next = await Server.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8081"));
        await convey.AppliedAsync(next);
        Assert.Equal("127.0.0.1:8081", convey.ServerAddress);
    }
}
