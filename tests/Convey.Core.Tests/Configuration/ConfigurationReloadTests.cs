using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Convey.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// <c>AddConveyCore().AddConfiguration(configuration.GetSection("Convey"))</c> inside the real runtime, with a real
/// appsettings.json added with <c>reloadOnChange: true</c>.
/// </summary>
public sealed class ConfigurationReloadTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("convey-appsettings-reload-").FullName;
    private readonly FakeTimeProvider _time = new();
    private IConfigurationRoot? _configuration;
    private ServiceProvider? _provider;

    private string AppSettings => Path.Combine(_directory, "appsettings.json");

    public Task InitializeAsync() => File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8080"));

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }

        (_configuration as IDisposable)?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Convey from the "Convey" section of appsettings.json, added as a host adds it (reloadOnChange: true).</summary>
    private async Task<(ConveyService Service, ConveyRuntime Runtime)> StartAsync(Action<FileLoadExceptionContext>? onLoadException = null)
    {
        _configuration = new ConfigurationBuilder().AddJsonFile(json =>
        {
            json.Path = AppSettings;
            json.ReloadOnChange = true;
            json.OnLoadException = onLoadException;
            json.ResolveFileProvider();
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddConveyCore().AddConfiguration(_configuration.GetSection("Convey"));
        _provider = services.BuildServiceProvider();
        var service = _provider.GetRequiredService<ConveyService>();
        await service.StartAsync(default);
        return (service, _provider.GetRequiredService<ConveyRuntime>());
    }

    private static string Json(string serverAddress, string logLevel = "Information") => $$"""
        {
          "Logging": { "LogLevel": { "Default": "{{logLevel}}" } },
          "Convey": {
            "frontends": { "web": { "listen_addr": "127.0.0.1:3000", "backend": "pool", "max_connections": 100 } },
            "backends": { "pool": { "servers": { "a": { "addr": "{{serverAddress}}" } } } }
          }
        }
        """;

    private Task WaitUntilAsync(Func<bool> condition) =>
        FileEventPump.UntilAsync(_time, condition, "the runtime reacts to the edit of appsettings.json");


    [Fact]
    public async Task An_edit_of_appsettings_json_is_applied_live()
    {
        var (service, runtime) = await StartAsync();
        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));
        Assert.Equal(100, runtime.Current.Config.Frontends.Single().MaxConnections);

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8081"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8081");

        Assert.Equal(ConfigurationSectionReader.SourceName, runtime.Current.Config.Source);
        Assert.Equal(0, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task A_bad_edit_is_refused_at_its_configuration_path_and_the_running_config_stays_until_a_fix()
    {
        var (service, runtime) = await StartAsync();

        await File.WriteAllTextAsync(AppSettings, Json("nope"));
        await WaitUntilAsync(() => service.ReloadFailures == 1);

        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));
        var error = Assert.Single(service.LastReloadError!.Errors);
        Assert.Equal((ConfigurationSectionReader.SourceName, "Convey:backends:pool:servers:a:addr"), (error.Source, error.KeyPath));
        Assert.Contains("Convey:backends:pool:servers:a:addr: \"nope\"", service.LastReloadError.Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8082"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8082" && service.LastReloadError is null);

        Assert.Equal(1, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task An_edit_that_is_not_json_changes_nothing_and_the_next_good_edit_applies()
    {
        // Without a handler of its own, the JSON provider throws on its watcher's thread and does not reload.
        var loadFailures = 0;
        var (service, runtime) = await StartAsync(failure => Interlocked.Increment(ref loadFailures));

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8084")[..^10]);
        await WaitUntilAsync(() => Volatile.Read(ref loadFailures) > 0);
        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8084"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8084");

        Assert.Equal(0, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Fact]
    public async Task An_edit_that_is_not_json_and_empties_the_section_is_refused_and_the_running_config_stays_until_a_fix()
    {
        // A provider told to ignore a file it cannot parse reloads with no keys at all: Convey must not apply that.
        var loadFailures = 0;
        var (service, runtime) = await StartAsync(failure =>
        {
            Interlocked.Increment(ref loadFailures);
            failure.Ignore = true;
        });

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8083")[..^10]);
        await WaitUntilAsync(() => service.ReloadFailures == 1);

        Assert.True(Volatile.Read(ref loadFailures) > 0, "the JSON provider parsed the broken file");
        Assert.Equal("127.0.0.1:8080", TestConfigs.OnlyServerAddress(runtime));
        Assert.Equal("web", Assert.Single(runtime.Current.Frontends).Key);
        Assert.Contains("section 'Convey' is empty or missing", Assert.Single(service.LastReloadError!.Errors).Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(AppSettings, Json("127.0.0.1:8083"));
        await WaitUntilAsync(() => TestConfigs.OnlyServerAddress(runtime) == "127.0.0.1:8083" && service.LastReloadError is null);

        Assert.Equal(1, service.ReloadFailures);
        await service.StopAsync(default);
    }

    [Fact]
    public void The_reload_token_fires_for_an_edit_of_the_section_and_not_for_an_edit_of_another_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Convey:frontends:web:listen_addr"] = "127.0.0.1:3000",
        }).Build();
        using var source = new ConfigurationConfigSource(configuration.GetSection("Convey"), NullLogger<ConfigurationConfigSource>.Instance);

        var token = source.GetReloadToken();
        configuration["Logging:LogLevel:Default"] = "Debug";
        configuration.Reload();
        Assert.False(token.HasChanged, "an edit of another section fired the token");

        configuration["Convey:frontends:web:listen_addr"] = "127.0.0.1:3001";
        configuration.Reload();
        Assert.True(token.HasChanged, "an edit of the section did not fire the token");

        var next = source.GetReloadToken();
        configuration.Reload();
        Assert.False(next.HasChanged, "a reload without any change fired the token again");
    }
}
