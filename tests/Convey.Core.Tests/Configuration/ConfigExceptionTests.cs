using Convey.Configuration;

namespace Convey.Core.Tests.Configuration;

public sealed class ConfigExceptionTests
{
    [Fact]
    public void Message_lists_each_error_as_file_line_column_key_and_text_leaving_out_the_parts_it_lacks()
    {
        var ex = new ConfigException(
        [
            new ConfigError("a.toml", 3, 7, "backends.web.servers.s1.addr", "bad address"),
            new ConfigError("a.toml", 0, 0, "", "no frontends"),
        ]);

        Assert.Equal(
            $"The configuration was refused with 2 errors:{Environment.NewLine}a.toml:3:7 backends.web.servers.s1.addr: bad address{Environment.NewLine}a.toml: no frontends",
            ex.Message);
    }

    [Fact]
    public void Message_of_thousands_of_errors_shows_the_first_fifty_and_counts_the_rest()
    {
        var errors = Enumerable.Range(1, 10_000).Select(i => new ConfigError("a.toml", i, 1, $"k{i}", "unknown key")).ToArray();

        var ex = new ConfigException(errors);

        Assert.Contains("a.toml:50:1 k50: unknown key", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("k51:", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("... and 9950 more (all are in Errors).", ex.Message, StringComparison.Ordinal);
        Assert.Equal(10_000, ex.Errors.Count);
    }
}
