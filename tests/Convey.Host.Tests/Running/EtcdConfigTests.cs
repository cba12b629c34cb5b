using System.Net.Http;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

/// <summary><c>--config etcd://host:port/key</c>: the host checks, runs and reloads from an etcd key (a real etcd per test).</summary>
public sealed class EtcdConfigTests : IAsyncLifetime
{
    private const string Key = "convey/config";
    private EtcdServer? _etcd;

    private EtcdServer Etcd => _etcd!;

    private string Uri => $"etcd://{Etcd.Endpoint}/{Key}";

    public async Task InitializeAsync() => _etcd = await EtcdServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task Check_validates_the_document_under_an_etcd_key_and_names_its_revision()
    {
        await using var backend = TestServer.ReadAllThenReply(5);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        var good = await Etcd.PutAsync(Key, await File.ReadAllTextAsync(config.Path));

        var (code, output, error) = await HostProcess.RunToExitAsync("--check", $"--config={Uri}");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains($"{Uri} (revision {good}): configuration is valid", output, StringComparison.Ordinal);

        var bad = await Etcd.PutAsync(Key, (await File.ReadAllTextAsync(config.Path)).Replace("backend = \"pool\"", "backend = \"nowhere\"", StringComparison.Ordinal));
        (code, _, error) = await HostProcess.RunToExitAsync("--check", "--config", Uri);

        Assert.Equal(1, code);
        Assert.Contains($"{Uri} (revision {bad}):", error, StringComparison.Ordinal);
        Assert.Contains("no pool named 'nowhere'", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_host_runs_from_an_etcd_key_applies_each_put_and_shows_source_and_revision_in_stats()
    {
        await using var backend = TestServer.ReadAllThenReply(5);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        var text = await File.ReadAllTextAsync(config.Path);
        var first = await Etcd.PutAsync(Key, text);
        await using var host = HostProcess.Start([$"--config={Uri}"]);
        await host.WaitForOutputAsync("Application started");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using (var stats = JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")))
        {
            Assert.Equal($"{Uri} (revision {first})", stats.RootElement.GetProperty("config_source").GetString());
            Assert.Equal(first, stats.RootElement.GetProperty("config_revision").GetInt64());
        }

        Assert.Equal(5, await Loopback.ExchangeAsync(config.Frontend, 10));

        var second = await Etcd.PutAsync(Key, text.Replace("health_check_interval = 1", "health_check_interval = 2", StringComparison.Ordinal));
        using var after = await Eventually.ReturnsAsync(
            async () => JsonDocument.Parse(await http.GetStringAsync($"{config.StatsUrl}/stats")),
            // The configuration in force changes a moment before the reload's outcome is recorded.
            json => json.RootElement.GetProperty("config_revision").GetInt64() == second
                    && json.RootElement.GetProperty("last_reload").ValueKind == JsonValueKind.Object,
            $"/stats shows revision {second} in force, and the reload that applied it");
        var reload = after.RootElement.GetProperty("last_reload");
        Assert.Equal("applied", reload.GetProperty("result").GetString());
        Assert.Equal(second, reload.GetProperty("revision").GetInt64());
        Assert.Equal(5, await Loopback.ExchangeAsync(config.Frontend, 10));
    }

    [SkippableFact]
    public async Task Check_with_etcd_unreachable_says_so_and_exits_1()
    {
        using var nobody = new ReservedPort();

        var (code, _, error) = await HostProcess.RunToExitAsync("--check", $"--config=etcd://{nobody.EndPoint}/{Key}");

        Assert.Equal(1, code);
        Assert.Contains($"cannot reach etcd at {nobody.EndPoint}", error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Tls_files_from_the_environment_with_a_plain_etcd_url_are_refused_with_how_to_fix_it()
    {
        await using var host = HostProcess.Start(["--check", $"--config={Uri}"], environment: new Dictionary<string, string> { ["CONVEY_ETCD_CACERT"] = "/etc/ssl/certs/ca-certificates.crt" });

        Assert.Equal(1, await host.WaitForExitAsync());
        Assert.Contains("use an etcds:// URL", host.Error, StringComparison.Ordinal);
    }
}
