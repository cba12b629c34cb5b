using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Configuration;

/// <summary>The TOML file source inside the real runtime, composed by <c>AddConveyCore().AddTomlFile(path)</c>.</summary>
public sealed class TomlFileReloadTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("convey-reload-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly ServiceProvider _provider;

    public TomlFileReloadTests()
    {
        Path = System.IO.Path.Combine(_directory, "convey.toml");
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddConveyCore().AddTomlFile(Path);
        _provider = services.BuildServiceProvider();
    }

    private string Path { get; }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Config(string serverAddress) => TestConfigs.WebToml(server: serverAddress);

    private Task WaitUntilAsync(Func<bool> condition) =>
        FileEventPump.UntilAsync(_time, condition, "the runtime reacts to the file change");


    [Fact]
    public async Task Bad_edit_keeps_the_last_good_config_and_surfaces_the_error_then_a_fix_applies()
    {
        await File.WriteAllTextAsync(Path, Config("127.0.0.1:8080"));
        var service = _provider.GetRequiredService<ConveyService>();
        var runtime = _provider.GetRequiredService<ConveyRuntime>();
        await service.StartAsync(default);
        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));

        await File.WriteAllTextAsync(Path, Config("127.0.0.1:80800"));
        await WaitUntilAsync(() => service.ReloadFailures == 1);

        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));
        var error = Assert.Single(service.LastReloadError!.Errors);
        Assert.Equal((Path, 6, 1, "backends.pool.servers.s1.addr"), (error.Source, error.Line, error.Column, error.KeyPath));

        await File.WriteAllTextAsync(Path, Config("127.0.0.1:8081"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8081" && service.LastReloadError is null);

        Assert.Null(service.LastReloadError);
        Assert.Equal(1, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\n\t \n")]
    [InlineData("# [frontends.web] is being rewritten\n")]
    public async Task An_emptied_file_is_refused_and_counted_and_the_running_config_stays_until_the_next_real_change(string empty)
    {
        await File.WriteAllTextAsync(Path, Config("127.0.0.1:8080"));
        var service = _provider.GetRequiredService<ConveyService>();
        var runtime = _provider.GetRequiredService<ConveyRuntime>();
        await service.StartAsync(default);

        await File.WriteAllTextAsync(Path, empty);
        await WaitUntilAsync(() => service.ReloadFailures == 1);

        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));
        Assert.Equal("web", Assert.Single(runtime.Current.Frontends).Key);
        Assert.Contains("the file is empty", Assert.Single(service.LastReloadError!.Errors).Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(Path, Config("127.0.0.1:8081"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8081" && service.LastReloadError is null);

        Assert.Null(service.LastReloadError);
        Assert.Equal(1, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Fact]
    public void Add_toml_file_registers_one_watching_source_for_the_path()
    {
        var source = Assert.IsType<TomlFileConfigSource>(_provider.GetRequiredService<IConfigSource>());

        Assert.Equal(Path, source.Path);
        Assert.Same(source, _provider.GetRequiredService<TomlFileConfigSource>());
    }
}
