using System.Net.Sockets;
using System.Text;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

/// <summary>
/// Under systemd (Type=notify) the host says READY=1 once it serves and STOPPING=1 when it drains, on the datagram
/// socket named by NOTIFY_SOCKET. Microsoft.Extensions.Hosting.Systemd believes systemd started the process when its
/// parent is called <c>systemd</c>: here that parent is a copy of the shell by that name, which starts the host and
/// passes SIGTERM on to it as systemd would.
/// </summary>
public class SystemdNotifyTests
{
    [Fact]
    public async Task Under_systemd_the_host_notifies_ready_once_its_frontends_listen_and_stopping_on_sigterm()
    {
        await using var backend = TestServer.ReadAllThenReply(8);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        var socketPath = Path.Combine(config.Folder, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(socketPath));

        var systemd = Path.Combine(config.Folder, "systemd");
        File.Copy("/bin/sh", systemd);
        await using var host = HostProcess.Start(
            [$"--config={config.Path}"],
            environment: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = socketPath },
            launcher: [systemd, "-c", "trap 'kill -TERM $host' TERM; \"$@\" & host=$!; wait $host; wait $host", "systemd"]);

        Assert.Contains("READY=1", await ReceiveAsync(notify, host), StringComparison.Ordinal);
        Assert.Equal(8, await Loopback.ExchangeAsync(config.Frontend, 8));
        using (var http = new HttpClient())
        {
            Assert.Contains("\"frontends\"", await http.GetStringAsync(new Uri($"{config.StatsUrl}/stats")), StringComparison.Ordinal);
        }

        host.Terminate();
        Assert.Contains("STOPPING=1", await ReceiveAsync(notify, host), StringComparison.Ordinal);
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    private static async Task<string> ReceiveAsync(Socket notify, HostProcess host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var buffer = new byte[4096];
        try
        {
            var length = await notify.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No notification within a minute.\nstdout:\n{host.Output}\nstderr:\n{host.Error}");
        }
    }
}
