using System.Net.Sockets;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class StartupFailureTests
{
    [Fact]
    public async Task A_taken_stats_port_exits_1_with_one_clear_line_and_no_stack_trace()
    {
        await using var backend = TestBackend.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(config.Stats!);
        squatter.Listen();

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={config.Path}");

        Assert.Equal(1, code);
        Assert.Contains($"convey: cannot open a listener: Failed to bind to address http://{config.Stats}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }
}
