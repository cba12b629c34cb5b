using System.Diagnostics;
using System.Net.Sockets;
using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

/// <summary>A configuration path that is not a regular file is refused as what it is, before it is opened.</summary>
public sealed class ConfigFileKindTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly string _folder = Directory.CreateTempSubdirectory("convey-kind-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_fifo_is_refused_as_a_fifo_without_blocking()
    {
        var fifo = MakeFifo("convey.toml");

        var ex = await Assert.ThrowsAsync<ConfigException>(() => Task.Run(() => TomlConfigReader.ReadFile(fifo)).WaitAsync(Bound));

        Assert.Contains("is a FIFO (named pipe), not a regular file", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_watching_source_refuses_a_fifo_without_blocking()
    {
        var fifo = MakeFifo("convey.toml");

        var load = Task.Run(async () =>
        {
            using var source = new TomlFileConfigSource(fifo);
            return await source.LoadAsync(CancellationToken.None);
        });

        var ex = await Assert.ThrowsAsync<ConfigException>(() => load.WaitAsync(Bound));
        Assert.Contains("is a FIFO", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_unix_socket_is_refused_as_a_socket()
    {
        var path = Path.Combine(_folder, "convey.toml");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(path));

        Assert.Contains("is a socket, not a regular file", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_is_named_as_a_directory()
    {
        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(_folder));

        Assert.Contains("is a directory, not a regular file", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_to_a_regular_file_is_read_like_a_configmap()
    {
        var target = Path.Combine(_folder, "real.toml");
        File.WriteAllText(target, "[frontends.web]\nlisten_addr = \"127.0.0.1:3000\"\nbackend = \"pool\"\n[backends.pool.servers.s1]\naddr = \"127.0.0.1:8080\"\n");
        var link = Path.Combine(_folder, "convey.toml");
        File.CreateSymbolicLink(link, target);

        Assert.Equal("web", TomlConfigReader.ReadFile(link).Frontends[0].Name);
    }

    [Fact]
    public void A_symlink_to_a_fifo_is_refused_as_a_fifo()
    {
        var link = Path.Combine(_folder, "convey.toml");
        File.CreateSymbolicLink(link, MakeFifo("target"));

        var ex = Assert.Throws<ConfigException>(() => TomlConfigReader.ReadFile(link));

        Assert.Contains("is a FIFO", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    private string MakeFifo(string name)
    {
        var path = Path.Combine(_folder, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })!;
        Assert.True(mkfifo.WaitForExit(Bound), "mkfifo did not finish");
        Assert.True(mkfifo.ExitCode == 0, $"mkfifo failed: {mkfifo.StandardError.ReadToEnd()}");
        return path;
    }
}
