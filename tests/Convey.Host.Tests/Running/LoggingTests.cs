using System.Text.Json;
using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Running;

public class LoggingTests
{
    [Fact]
    public async Task Console_logs_are_single_lines_with_utc_timestamp_level_category_and_event_id()
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)]);
        await using var host = HostProcess.Start([$"--config={config.Path}"]);
        await host.WaitForOutputAsync("Application started");

        var started = host.Output.Split('\n').Single(l => l.Contains("Convey started from", StringComparison.Ordinal));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: Convey\.Runtime\.ConveyService\[1001\] Convey started from ", started);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Json_console_logs_can_be_chosen_from_the_environment(bool withStats)
    {
        await using var backend = TestServer.ReadAllThenReply(1);
        using var config = HostConfigFile.Write([("s1", backend.EndPoint)], withStats);
        await using var host = HostProcess.Start([$"--config={config.Path}"],
            environment: new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "json" });
        await host.WaitForOutputAsync("Convey started from");

        var line = host.Output.Split('\n').First(l => l.Contains("Convey started from", StringComparison.Ordinal));
        using var entry = JsonDocument.Parse(line);
        Assert.Equal("Convey.Runtime.ConveyService", entry.RootElement.GetProperty("Category").GetString());
        Assert.Equal(1001, entry.RootElement.GetProperty("EventId").GetInt32());
        Assert.Equal(config.Path, entry.RootElement.GetProperty("State").GetProperty("Source").GetString());
    }
}
