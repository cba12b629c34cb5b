using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

/// <summary>The demo binds the fixed ports 127.0.0.1:8080 and 7000, so its tests run alone.</summary>
[CollectionDefinition(nameof(DemoCollection), DisableParallelization = true)]
public sealed class DemoCollection;

[Collection(nameof(DemoCollection))]
public class DemoTests
{
    [Fact]
    public async Task Demo_serves_http_on_8080_through_both_demo_backends_and_stops_on_sigterm()
    {
        await using var host = HostProcess.Start(["--demo"]);
        await host.WaitForOutputAsync("Press Ctrl+C to stop.");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var answers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add((await http.GetStringAsync("http://127.0.0.1:8080/")).Trim());
        }

        Assert.All(answers, a => Assert.Matches("^hello from demo-[12]$", a));
        Assert.Contains("hello from demo-1", answers);
        Assert.Contains("hello from demo-2", answers);
        Assert.Contains("demo_backends", await http.GetStringAsync("http://127.0.0.1:7000/"));

        host.Terminate();
        Assert.Equal(0, await host.WaitForExitAsync());
    }

    [Fact]
    public async Task Demo_with_8080_taken_says_so_and_exits_1()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 8080));
        squatter.Listen();

        var (code, _, error) = await HostProcess.RunToExitAsync("--demo");

        Assert.Equal(1, code);
        Assert.Contains("127.0.0.1:8080 is already in use", error, StringComparison.Ordinal);
    }
}
