using System.Globalization;
using System.Net;
using System.Text;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Original;

/// <summary>
/// The original Rust Convey's proxy test (<c>src/proxy/mod.rs</c>, <c>test_proxy</c>) replayed against the host:
/// its own <c>proxy_test.toml</c> (addresses moved to free loopback ports), two HTTP servers, and its in-place
/// rewrite of the file (truncate, then write) to take the first server out with <c>weight = 0</c> and back.
/// </summary>
public sealed class OriginalProxyTestReplay : IAsyncDisposable
{
    private const int Requests = 20;
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(20);
    private readonly TestServer _dummyA = TestServer.Http("Success DummyA Server");
    private readonly TestServer _dummyB = TestServer.Http("Success DummyB Server");
    private readonly string _folder = Directory.CreateTempSubdirectory("convey-original-").FullName;
    private readonly ReservedPort _frontendPort = new();
    private readonly ReservedPort _statsPort = new();
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _dummyA.DisposeAsync();
        await _dummyB.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
        _frontendPort.Dispose();
        _statsPort.Dispose();
    }

    [Fact]
    public async Task Weights_10000_to_1_send_every_request_to_the_first_server_and_an_in_place_rewrite_to_weight_0_moves_them_to_the_second()
    {
        var frontend = _frontendPort.EndPoint;
        var path = Path.Combine(_folder, "proxy_test.toml");
        var seed = await File.ReadAllTextAsync(Path.Combine(HostBinary.SeedFixtures, "proxy_test.toml"));
        await File.WriteAllTextAsync(path, seed
            .Replace("0.0.0.0:8000", frontend.ToString(), StringComparison.Ordinal)
            .Replace("127.0.0.1:8080", _dummyA.EndPoint.ToString(), StringComparison.Ordinal)
            .Replace("127.0.0.1:8081", _dummyB.EndPoint.ToString(), StringComparison.Ordinal)
            .Replace("port = \"7000\"", string.Create(CultureInfo.InvariantCulture, $"port = \"{_statsPort.Port}\""), StringComparison.Ordinal));
        await using var host = HostProcess.Start([$"--config={path}"]);
        await host.WaitForOutputAsync("Convey started");
        var url = new Uri($"http://{frontend}/");

        Assert.Equal(Enumerable.Repeat("DummyA", Requests), await ServedByAsync(url, Requests));

        UpdateConfig(path, "weight = 10000", "weight = 0");
        Assert.Equal("DummyB", (await Eventually.ReturnsAsync(() => ServedByAsync(url, 1), served => served[0] == "DummyB", "requests go to DummyB", Propagation))[0]);

        Assert.Equal(Enumerable.Repeat("DummyB", Requests), await ServedByAsync(url, Requests));

        UpdateConfig(path, "weight = 0", "weight = 10000");
        Assert.Equal("DummyA", (await Eventually.ReturnsAsync(() => ServedByAsync(url, 1), served => served[0] == "DummyA", "requests go back to DummyA", Propagation))[0]);

        Assert.Equal(Enumerable.Repeat("DummyA", Requests), await ServedByAsync(url, Requests));
        Assert.DoesNotContain("Reload refused", host.Output, StringComparison.Ordinal);
        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    /// <summary>The original's <c>update_config</c>: read, replace in memory, then recreate the file (truncate) and write it.</summary>
    private static void UpdateConfig(string path, string from, string to)
    {
        var data = File.ReadAllText(path).Replace(from, to, StringComparison.Ordinal);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(Encoding.UTF8.GetBytes(data));
    }

    /// <summary>Sends <paramref name="count"/> GET requests, each on a new connection, and names the server that answered each.</summary>
    private async Task<string[]> ServedByAsync(Uri url, int count)
    {
        var served = new string[count];
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            using var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            served[i] = body.Contains("DummyA", StringComparison.Ordinal) ? "DummyA" : body.Contains("DummyB", StringComparison.Ordinal) ? "DummyB" : body;
        }

        return served;
    }
}
