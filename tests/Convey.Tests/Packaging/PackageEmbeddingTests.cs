using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Convey.Tests.Packaging;

public sealed partial class PackageEmbeddingTests : IDisposable
{
    private static readonly string[] ShippedProjects = ["Convey.Core", "Convey.Proxy", "Convey.RawPacket", "Convey"];
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    // A version of its own per run, so NuGet's global package cache never serves an older build of these packages.
    private readonly string _version = $"0.0.1-embedtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("convey-pack-test-");

    [Fact]
    public async Task The_packed_Convey_package_runs_the_embedding_snippet_and_proxies_a_connection()
    {
        var feed = _work.CreateSubdirectory("feed").FullName;
        foreach (var project in ShippedProjects)
        {
            await DotnetCli.RunAsync(RepositoryLayout.Root, StepTimeout, "pack", $"src/{project}/{project}.csproj", "--no-build",
                "-c", RepositoryLayout.Configuration, "-o", feed, $"-p:PackageVersion={_version}");
            PackageContents.AssertComplete(Path.Combine(feed, $"{project}.{_version}.nupkg"), project);
            Assert.True(File.Exists(Path.Combine(feed, $"{project}.{_version}.snupkg")), $"{project} has no symbol package");
        }

        var app = _work.FullName;
        await DotnetCli.RunAsync(app, StepTimeout, "new", "console", "-o", "app", "-n", "EmbedApp", "--framework", "net10.0");
        app = Path.Combine(app, "app");
        // The local feed, in addition to the registry the machine already uses (for Convey's dependencies).
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="convey-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        await DotnetCli.RunAsync(app, StepTimeout, "add", "package", "Convey", "--version", _version);
        await DotnetCli.RunAsync(app, StepTimeout, "add", "package", "Microsoft.Extensions.Hosting", "--version", "10.0.5");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), RepositoryLayout.EmbeddingSnippet());
        await DotnetCli.RunAsync(app, StepTimeout, "build", "-c", "Release");

        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen();
        var frontend = new IPEndPoint(IPAddress.Loopback, FreeLoopbackPort());
        await File.WriteAllTextAsync(Path.Combine(app, "convey.toml"), string.Create(CultureInfo.InvariantCulture, $"""
            [frontends.embedded]
            listen_addr = "{frontend}"
            backend = "pool"

            [backends.pool.servers.only]
            addr = "{backend.LocalEndPoint}"
            """));

        var (process, output) = DotnetCli.StartCaptured(app, Path.Combine("bin", "Release", "net10.0", "EmbedApp.dll"));
        using (process)
        {
            try
            {
                await WaitForAsync(() => DotnetCli.Read(output).Contains("Convey started", StringComparison.Ordinal), process, output);
                var reply = await ExchangeAsync(frontend, backend);
                Assert.Equal("pong through the package", reply);
            }
            finally
            {
                if (!process.HasExited)
                {
                    _ = Kill(process.Id, 15);
                    using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    await process.WaitForExitAsync(exit.Token);
                }
            }

            Assert.Equal(0, process.ExitCode);
        }
    }

    public void Dispose()
    {
        _work.Delete(recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var project in ShippedProjects)
        {
            var cached = Path.Combine(cache, project.ToLowerInvariant(), _version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }

    /// <summary>A client sends "ping" through the app; the backend answers; the client reads the answer to its end.</summary>
    private static async Task<string> ExchangeAsync(IPEndPoint frontend, Socket backend)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(frontend, timeout.Token);
        await client.SendAsync("ping"u8.ToArray(), SocketFlags.None, timeout.Token);
        client.Shutdown(SocketShutdown.Send);

        using var server = await backend.AcceptAsync(timeout.Token);
        var request = await ReadToEndAsync(server, timeout.Token);
        Assert.Equal("ping", request);
        await server.SendAsync("pong through the package"u8.ToArray(), SocketFlags.None, timeout.Token);
        server.Shutdown(SocketShutdown.Send);

        return await ReadToEndAsync(client, timeout.Token);
    }

    private static async Task<string> ReadToEndAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return System.Text.Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task WaitForAsync(Func<bool> condition, System.Diagnostics.Process process, System.Text.StringBuilder output)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!condition())
        {
            Assert.False(process.HasExited, $"the app exited ({(process.HasExited ? process.ExitCode : 0)}):\n{DotnetCli.Read(output)}");
            Assert.True(DateTime.UtcNow < deadline, $"the app did not start Convey within 60 s:\n{DotnetCli.Read(output)}");
            await Task.Delay(100);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
