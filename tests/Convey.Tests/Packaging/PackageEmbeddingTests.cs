using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Tests.Packaging;

/// <summary>The packed packages, installed from a local feed into fresh apps that run the code blocks of docs/embedding.md.</summary>
public sealed class PackageEmbeddingTests(LocalFeed feed) : IClassFixture<LocalFeed>
{
    private const string Request = "ping";
    private const string Reply = "pong through the package";

    [Fact]
    public async Task The_packed_Convey_package_runs_the_embedding_snippet_and_proxies_a_connection()
    {
        foreach (var project in LocalFeed.ShippedProjects)
        {
            PackageContents.AssertComplete(feed.Package(project), project);
            Assert.True(File.Exists(feed.Package(project, "snupkg")), $"{project} has no symbol package");
        }

        var app = await EmbeddingApp.CreateAsync(feed, "EmbedApp", RepositoryLayout.EmbeddingSnippet("AddTomlFile("));
        await using var backend = PongServer();
        using var frontendPort = new ReservedPort();
        var frontend = frontendPort.EndPoint;
        await File.WriteAllTextAsync(Path.Combine(app, "convey.toml"), string.Create(CultureInfo.InvariantCulture, $"""
            [frontends.embedded]
            listen_addr = "{frontend}"
            backend = "pool"
            drain_timeout = 5

            [backends.pool.servers.only]
            addr = "{backend.EndPoint}"
            """));

        var running = await EmbeddingApp.StartAsync(app);
        await using (running)
        {
            Assert.Equal(Reply, await PingAsync(frontend));
            var exitCode = await running.StopAsync();
            Assert.True(exitCode == 0, $"the app exited {exitCode} after SIGTERM:\n{running.Output}");
        }
    }

    [Fact]
    public async Task An_app_configured_from_appsettings_json_applies_an_edit_of_the_file_live()
    {
        var app = await EmbeddingApp.CreateAsync(feed, "AppSettingsApp", RepositoryLayout.EmbeddingSnippet("AddConfiguration("));
        await using var backend = PongServer();
        using var firstPort = new ReservedPort();
        using var movedPort = new ReservedPort();
        var first = firstPort.EndPoint;
        await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), AppSettings(first, backend.EndPoint));

        var running = await EmbeddingApp.StartAsync(app);
        await using (running)
        {
            Assert.Equal(Reply, await PingAsync(first));

            var moved = movedPort.EndPoint;
            await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), AppSettings(moved, backend.EndPoint));
            await running.WaitForOutputAsync("Reload applied from configuration");

            Assert.Equal(Reply, await PingAsync(moved));
            var exitCode = await running.StopAsync();
            Assert.True(exitCode == 0, $"the app exited {exitCode} after SIGTERM:\n{running.Output}");
        }
    }

    private static string AppSettings(IPEndPoint frontend, IPEndPoint server) => $$"""
        {
          "Logging": { "LogLevel": { "Default": "Information" } },
          "Convey": {
            "frontends": { "embedded": { "listen_addr": "{{frontend}}", "backend": "pool", "drain_timeout": 5 } },
            "backends": { "pool": { "servers": { "only": { "addr": "{{server}}" } } } }
          }
        }
        """;

    /// <summary>A server that answers "ping" with <see cref="Reply"/>; any other connection (a health probe) gets nothing.</summary>
    private static TestServer PongServer() =>
        TestServer.Answer(request => Encoding.ASCII.GetString(request) == Request ? Encoding.ASCII.GetBytes(Reply) : []);

    /// <summary>A client sends "ping" through the app, half-closes, and reads the answer to its end.</summary>
    private static async Task<string> PingAsync(IPEndPoint frontend)
    {
        using var client = await Loopback.ConnectAsync(frontend);
        await client.SendAsync(Encoding.ASCII.GetBytes(Request), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);
        return Encoding.ASCII.GetString(await Loopback.ReadToEndAsync(client));
    }
}
