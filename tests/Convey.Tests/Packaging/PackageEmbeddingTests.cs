using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Tests.Packaging;

/// <summary>The packed packages, installed from a local feed into fresh apps that run the code blocks of docs/embedding.md.</summary>
public sealed class PackageEmbeddingTests(LocalFeed feed) : IClassFixture<LocalFeed>
{
    [Fact]
    public async Task The_packed_Convey_package_runs_the_embedding_snippet_and_proxies_a_connection()
    {
        foreach (var project in LocalFeed.ShippedProjects)
        {
            PackageContents.AssertComplete(feed.Package(project), project);
            Assert.True(File.Exists(feed.Package(project, "snupkg")), $"{project} has no symbol package");
        }

        var app = await EmbeddingApp.CreateAsync(feed, "EmbedApp", RepositoryLayout.EmbeddingSnippet("AddTomlFile("));
        await using var backend = PongBackend.Start();
        var frontend = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
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
            Assert.Equal(PongBackend.Reply, await PingAsync(frontend));
            var exitCode = await running.StopAsync();
            Assert.True(exitCode == 0, $"the app exited {exitCode} after SIGTERM:\n{running.Output}");
        }
    }

    [Fact]
    public async Task An_app_configured_from_appsettings_json_applies_an_edit_of_the_file_live()
    {
        var app = await EmbeddingApp.CreateAsync(feed, "AppSettingsApp", RepositoryLayout.EmbeddingSnippet("AddConfiguration("));
        await using var backend = PongBackend.Start();
        var first = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
        await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), AppSettings(first, backend.EndPoint));

        var running = await EmbeddingApp.StartAsync(app);
        await using (running)
        {
            Assert.Equal(PongBackend.Reply, await PingAsync(first));

            var moved = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
            await File.WriteAllTextAsync(Path.Combine(app, "appsettings.json"), AppSettings(moved, backend.EndPoint));
            await running.WaitForOutputAsync("Reload applied from configuration");

            Assert.Equal(PongBackend.Reply, await PingAsync(moved));
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

    /// <summary>A client sends "ping" through the app, half-closes, and reads the answer to its end.</summary>
    private static async Task<string> PingAsync(IPEndPoint frontend)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(frontend, timeout.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes(PongBackend.Request), SocketFlags.None, timeout.Token);
        client.Shutdown(SocketShutdown.Send);
        return Encoding.ASCII.GetString(await PongBackend.ReadToEndAsync(client, timeout.Token));
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
