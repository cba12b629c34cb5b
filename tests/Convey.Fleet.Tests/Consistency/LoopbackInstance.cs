using System.Net;
using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Fleet.Tests.Consistency;

/// <summary>A Convey.Host process on loopback with one frontend and a stats listener (see <see cref="NumberedServers"/>).</summary>
internal sealed class LoopbackInstance(HostProcess host, IPEndPoint frontend, IPEndPoint stats) : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public HostProcess Host { get; } = host;

    public IPEndPoint Frontend { get; } = frontend;

    /// <summary>The pool's <c>healthy_servers</c> in /stats, or null while the stats listener does not answer.</summary>
    public async Task<int?> HealthyServersAsync()
    {
        try
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri($"http://{stats}/stats")));
            return document.RootElement.GetProperty("backends").GetProperty("app").GetProperty("healthy_servers").GetInt32();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null; // not listening yet, or too busy starting to answer
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Host.DisposeAsync();
    }
}
