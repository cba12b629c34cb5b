using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

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
        // The local feed stays known to later restores, beside the registry the machine already uses.
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="convey-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        // As a user installs from a feed of their own: that one source, holding Convey and what it depends on.
        DependencyFeed.CopyRestoredDependencies(Path.Combine(RepositoryLayout.Root, "src", "Convey"), feed);
        await DotnetCli.RunAsync(app, StepTimeout, "add", "package", "Convey", "--version", _version, "--source", feed);
        await DotnetCli.RunAsync(app, StepTimeout, "add", "package", "Microsoft.Extensions.Hosting", "--version", "10.0.5");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), RepositoryLayout.EmbeddingSnippet());
        await DotnetCli.RunAsync(app, StepTimeout, "build", "-c", "Release");

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

        var (process, output) = DotnetCli.StartCaptured(app, Path.Combine("bin", "Release", "net10.0", "EmbedApp.dll"));
        using (process)
        {
            string reply;
            try
            {
                await WaitForAsync(() => DotnetCli.Read(output).Contains("Convey started", StringComparison.Ordinal), process, output);
                reply = await PingAsync(frontend);
            }
            finally
            {
                await StopAsync(process);
            }

            Assert.Equal(PongBackend.Reply, reply);
            Assert.True(process.ExitCode == 0, $"the app exited {process.ExitCode} after SIGTERM:\n{DotnetCli.Read(output)}");
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

    /// <summary>SIGTERM, as a service manager would send; killed only if it does not stop in time.</summary>
    private static async Task StopAsync(System.Diagnostics.Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, 15);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(exit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
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
