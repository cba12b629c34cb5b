using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.CommandLine;

public class CommandLineExitCodeTests
{
    [Theory]
    [InlineData("--frobnicate")]
    [InlineData("-x")]
    [InlineData("--config")]
    [InlineData("--config=")]
    [InlineData("--help=yes")]
    [InlineData("--passthrough", "--dsr")]
    [InlineData("stray.toml")]
    public async Task Bad_flags_exit_2_with_a_message_and_the_usage(params string[] args)
    {
        var (code, _, error) = await HostProcess.RunToExitAsync(args);

        Assert.Equal(2, code);
        Assert.StartsWith("convey: ", error, StringComparison.Ordinal);
        Assert.Contains("Usage: convey [--config=<file>]", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_prints_usage_with_every_command_and_exits_0()
    {
        var (code, output, _) = await HostProcess.RunToExitAsync("--help");

        Assert.Equal(0, code);
        Assert.Contains("Usage: convey", output, StringComparison.Ordinal);
        Assert.Contains("--check", output, StringComparison.Ordinal);
        Assert.Contains("-p, --passthrough", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_prints_the_version_and_exits_0()
    {
        var (code, output, _) = await HostProcess.RunToExitAsync("-v");

        Assert.Equal(0, code);
        Assert.Matches(@"^convey \d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task Missing_config_file_exits_1_naming_the_file_and_pointing_at_the_demo()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"convey-missing-{Guid.NewGuid():N}.toml");

        var (code, _, error) = await HostProcess.RunToExitAsync($"--config={missing}");

        Assert.Equal(1, code);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("convey --demo", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
