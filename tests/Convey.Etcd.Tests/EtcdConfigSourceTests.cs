using System.Diagnostics;
using System.Net;
using Convey.Configuration;
using Convey.Runtime;
using Xunit.Abstractions;

namespace Convey.Etcd.Tests;

/// <summary>Convey following a key of a real etcd: start, puts, refused revisions, deletion. One etcd for the class, a key per test.</summary>
public sealed class EtcdConfigSourceTests(EtcdConfigSourceTests.Etcd etcd, ITestOutputHelper output) : IClassFixture<EtcdConfigSourceTests.Etcd>
{
    private const int ReloadApplied = 1003;
    private const int ReloadRefused = 1004;
    private readonly string _key = $"convey/{Guid.NewGuid():N}";

    private EtcdServer Server
    {
        get
        {
            Prerequisite.RequireFile(EtcdServer.Binary, "the etcd tests run a real etcd (Debian package etcd-server)");
            return etcd.Server!;
        }
    }

    private string Uri => $"etcd://{Server.Endpoint}/{_key}";

    [SkippableFact]
    public async Task Start_applies_the_document_under_the_key_and_shows_its_revision()
    {
        var revision = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080"));

        await using var convey = await EtcdConvey.StartAsync(Uri);

        Assert.Equal("127.0.0.1:8080", convey.ServerAddress);
        Assert.Equal(revision, convey.Config.Revision);
        Assert.Equal($"{Uri} (revision {revision})", convey.Config.Source);
        Assert.Equal(revision, Convey.Metrics.StatsSnapshot.Capture(convey.Runtime).ConfigRevision);
    }

    [SkippableFact]
    public async Task A_put_is_applied_like_a_file_reload_within_a_fraction_of_a_second()
    {
        await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync(Uri);
        var times = new List<TimeSpan>();

        for (var i = 1; i <= 20; i++)
        {
            var put = DateTimeOffset.UtcNow;
            var revision = await Server.PutAsync(_key, EtcdConvey.Toml($"127.0.0.1:{8080 + i}"));
            var applied = await Eventually.ReturnsAsync(
                () => convey.Log.GetSnapshot().LastOrDefault(r => r.Id.Id == ReloadApplied && r.Message.Contains($"(revision {revision})", StringComparison.Ordinal)),
                record => record is not null, $"revision {revision} is applied");
            times.Add(applied!.Timestamp - put);
            await convey.AppliedAsync(revision);
            Assert.Equal($"127.0.0.1:{8080 + i}", convey.ServerAddress);
        }

        times.Sort();
        output.WriteLine($"etcd put to applied over {times.Count} puts: median {times[times.Count / 2].TotalMilliseconds:0.0} ms, max {times[^1].TotalMilliseconds:0.0} ms");
        Assert.True(times[^1] < TimeSpan.FromSeconds(2), $"slowest put took {times[^1]} to be applied");
    }

    [SkippableFact]
    public async Task A_refused_revision_is_logged_with_its_number_and_the_running_configuration_stays()
    {
        var good = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync(Uri);

        var bad = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:not-a-port"));

        var status = await Eventually.ReturnsAsync(() => convey.Service.LastReload, s => s?.Revision == bad, $"revision {bad} is refused");
        Assert.Equal(ReloadResult.Refused, status!.Result);
        Assert.Contains($"{Uri} (revision {bad}):6:", status.Error, StringComparison.Ordinal);
        Assert.Contains("backends.pool.servers.s1.addr", status.Error, StringComparison.Ordinal);
        await Eventually.TrueAsync(
            () => convey.Log.GetSnapshot().Any(r => r.Id.Id == ReloadRefused && r.Message.Contains($"(revision {bad})", StringComparison.Ordinal)),
            $"the refusal is logged with revision {bad}");
        Assert.Equal(good, convey.Config.Revision);
        Assert.Equal("127.0.0.1:8080", convey.ServerAddress);

        var fixedRevision = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8081"));
        await convey.AppliedAsync(fixedRevision);
        Assert.Equal("127.0.0.1:8081", convey.ServerAddress);
    }

    [SkippableFact]
    public async Task A_revision_the_runtime_refuses_is_reported_with_its_number_too()
    {
        await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync(Uri);

        var bad = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080") + "\nbalance = \"no-such-policy\"\n");

        var status = await Eventually.ReturnsAsync(() => convey.Service.LastReload, s => s?.Revision == bad, $"revision {bad} is refused");
        Assert.Equal(ReloadResult.Refused, status!.Result);
        Assert.Contains($"(revision {bad})", status.Error, StringComparison.Ordinal);
        Assert.Equal("127.0.0.1:8080", convey.ServerAddress);
    }

    [SkippableFact]
    public async Task Deleting_the_key_is_refused_and_putting_it_again_is_applied()
    {
        var good = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080"));
        await using var convey = await EtcdConvey.StartAsync(Uri);

        var deleted = await Server.DeleteAsync(_key);

        var status = await Eventually.ReturnsAsync(() => convey.Service.LastReload, s => s?.Revision == deleted, $"the deletion at {deleted} is refused");
        Assert.Equal(ReloadResult.Refused, status!.Result);
        Assert.Contains($"the key {_key} was deleted", status.Error, StringComparison.Ordinal);
        Assert.Equal(good, convey.Config.Revision);

        var again = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8082"));
        await convey.AppliedAsync(again);
    }

    [SkippableFact]
    public async Task Start_refuses_a_missing_key_and_says_how_to_put_it()
    {
        var error = await Assert.ThrowsAsync<ConfigException>(() => EtcdConvey.StartAsync(Uri));

        var message = Assert.Single(error.Errors).ToString();
        Assert.Contains($"the key {_key} does not exist in etcd at {Server.Endpoint} (nor does /{_key})", message, StringComparison.Ordinal);
        Assert.Contains($"etcdctl --endpoints={Server.Endpoint} put {_key} < convey.toml", message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Start_refuses_an_invalid_document_with_every_error_at_its_line_and_revision()
    {
        var revision = await Server.PutAsync(_key, EtcdConvey.Toml("127.0.0.1:8080").Replace("backend = \"pool\"", "backend = \"pool\"\nmax_connections = -1", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<ConfigException>(() => EtcdConvey.StartAsync(Uri));

        Assert.Equal(revision, error.Revision);
        Assert.Contains(error.Errors, e => e.Source == $"{Uri} (revision {revision})" && e.Line == 4 && e.KeyPath == "frontends.web.max_connections");
    }

    [SkippableFact]
    public async Task A_key_named_without_its_leading_slash_finds_the_key_with_one()
    {
        var revision = await Server.PutAsync("/" + _key, EtcdConvey.Toml("127.0.0.1:8080"));

        await using var convey = await EtcdConvey.StartAsync(Uri);

        Assert.Equal(revision, convey.Config.Revision);
        Assert.Equal("/" + _key, convey.Source.Key);
        var next = await Server.PutAsync("/" + _key, EtcdConvey.Toml("127.0.0.1:8081"));
        await convey.AppliedAsync(next);
    }

    [SkippableFact]
    public async Task Start_with_etcd_unreachable_says_where_it_looked_and_how_to_check()
    {
        using var nobody = new ReservedPort();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<ConfigException>(() =>
            EtcdConvey.StartAsync($"etcd://{nobody.EndPoint}/{_key}", o => o.RequestTimeout = TimeSpan.FromSeconds(1)));

        Assert.Contains($"cannot reach etcd at {nobody.EndPoint} within 1 s", error.Message, StringComparison.Ordinal);
        Assert.Contains("endpoint health", error.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the start took {clock.Elapsed} to give up");
    }

    /// <summary>The class's etcd.</summary>
    public sealed class Etcd : IAsyncLifetime
    {
        public EtcdServer? Server { get; private set; }

        public async Task InitializeAsync()
        {
            if (File.Exists(EtcdServer.Binary) || Prerequisite.UnderCi)
            {
                Server = await EtcdServer.StartAsync();
            }
        }

        public async Task DisposeAsync()
        {
            if (Server is not null)
            {
                await Server.DisposeAsync();
            }
        }
    }
}
