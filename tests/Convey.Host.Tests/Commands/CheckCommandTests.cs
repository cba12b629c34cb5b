using Convey.Host.Tests.Infrastructure;

namespace Convey.Host.Tests.Commands;

public class CheckCommandTests
{
    public static TheoryData<string> ValidSeedFiles()
    {
        var files = Directory.GetFiles(HostBinary.SeedFixtures, "*.toml")
            .Select(Path.GetFileName)
            .Where(name => name != "bad.toml")
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.True(files.Length >= 5, "the seed fixtures were not copied next to the tests");
        return new TheoryData<string>(files!);
    }

    [Theory]
    [MemberData(nameof(ValidSeedFiles))]
    public async Task Check_accepts_every_seed_configuration_and_exits_0(string file)
    {
        var (code, output, error) = await HostProcess.RunToExitAsync("--check", $"--config={Path.Combine(HostBinary.SeedFixtures, file)}");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("configuration is valid", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public async Task Check_refuses_bad_toml_with_file_line_column_and_key_and_exits_1()
    {
        var path = Path.Combine(HostBinary.SeedFixtures, "bad.toml");

        var (code, output, error) = await HostProcess.RunToExitAsync("--check", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains($"{path}:3:1 frontends.tcp_3000.backend: no pool named 'missing'", error, StringComparison.Ordinal);
        Assert.DoesNotContain("configuration is valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_a_refused_configuration_prints_the_errors_without_a_stack_trace_and_exits_1()
    {
        var path = Path.Combine(HostBinary.SeedFixtures, "bad.toml");

        var (code, output, error) = await HostProcess.RunToExitAsync($"--config={path}");

        Assert.Equal(1, code);
        Assert.Contains($"{path}:3:1 frontends.tcp_3000.backend", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }
}
