using Convey.Forwarding;
using Convey.Host.CommandLine;

namespace Convey.Host.Tests.CommandLine;

public class CommandLineParserTests
{
    [Fact]
    public void No_arguments_run_the_balancer_from_config_toml_in_proxy_mode()
    {
        var parsed = CommandLineParser.Parse([]).Arguments!;

        Assert.Same(HostCommands.Run, parsed.Command);
        Assert.Equal("config.toml", parsed.ConfigPath);
        Assert.Null(parsed.DefaultMode);
    }

    [Theory]
    [InlineData("--config=lb.toml")]
    [InlineData("--config", "lb.toml")]
    public void Config_accepts_both_the_equals_and_the_separate_form(params string[] args)
    {
        Assert.Equal("lb.toml", CommandLineParser.Parse(args).Arguments!.ConfigPath);
    }

    [Theory]
    [InlineData("-p", "passthrough")]
    [InlineData("--passthrough", "passthrough")]
    [InlineData("-d", "dsr")]
    [InlineData("--dsr", "dsr")]
    public void Mode_flags_set_the_default_mode(string flag, string mode)
    {
        Assert.Equal(mode, CommandLineParser.Parse([flag]).Arguments!.DefaultMode);
    }

    [Fact]
    public void A_command_flag_combines_with_options()
    {
        var parsed = CommandLineParser.Parse(["--check", "--config", "lb.toml", "-d"]).Arguments!;

        Assert.Equal("--check", parsed.Command.Flag);
        Assert.Equal("lb.toml", parsed.ConfigPath);
        Assert.Equal("dsr", parsed.DefaultMode);
    }

    [Theory]
    [InlineData("unknown option '--nope'", "--nope")]
    [InlineData("--config needs a file name", "--config")]
    [InlineData("--config needs a file name", "--config", "-p")]
    [InlineData("--config is given twice", "--config=a.toml", "--config=b.toml")]
    [InlineData("cannot be used together", "--check", "--help")]
    [InlineData("exclude each other", "-p", "-d")]
    [InlineData("takes no value", "--dsr=yes")]
    public void Bad_command_lines_say_what_is_wrong(string message, params string[] args)
    {
        var result = CommandLineParser.Parse(args);

        Assert.Null(result.Arguments);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }
}
