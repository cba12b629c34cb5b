using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Convey.Configuration;

/// <summary>
/// Configuration from an <see cref="IConfiguration"/> section (see <see cref="ConfigurationSectionReader"/>), reloaded
/// when the configuration's reload token fires (appsettings.json added with <c>reloadOnChange: true</c>, as
/// <c>Host.CreateApplicationBuilder</c> does). The configuration's token fires when any of its providers reloads, so
/// this source's token fires only when the keys and values of its own section differ from the last ones seen: an edit of
/// another section (logging levels) does not reload Convey, and each change of Convey's keys gives one reload.
/// </summary>
internal sealed partial class ConfigurationConfigSource : IConfigSource, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly IDisposable _subscription;
    private CancellationTokenSource _changed = new();
    private (string Key, string? Value)[] _lastSeen;

    /// <summary>Creates the source for <paramref name="configuration"/> (a section, or a whole configuration).</summary>
    public ConfigurationConfigSource(IConfiguration configuration, ILogger<ConfigurationConfigSource> logger)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(logger);
        _configuration = configuration;
        _logger = logger;
        _lastSeen = Contents();
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, OnConfigurationReloaded);
    }

    /// <summary>The configuration path of the section (empty for a whole configuration), for messages.</summary>
    private string SectionPath => _configuration is IConfigurationSection section ? section.Path : "";

    /// <inheritdoc />
    public ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ConveyConfig>(cancellationToken);
        }

        // Taken before reading: a change landing in between fires the token again rather than being lost.
        var contents = Contents();
        lock (_gate)
        {
            _lastSeen = contents;
        }

        try
        {
            return ValueTask.FromResult(ConfigurationSectionReader.Read(_configuration));
        }
        catch (ConfigException ex)
        {
            return ValueTask.FromException<ConveyConfig>(ex);
        }
    }

    /// <inheritdoc />
    public IChangeToken GetReloadToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    /// <summary>Stops following the configuration's reload token.</summary>
    public void Dispose() => _subscription.Dispose();

    private void OnConfigurationReloaded()
    {
        var contents = Contents();
        CancellationTokenSource changed;
        lock (_gate)
        {
            if (contents.AsSpan().SequenceEqual(_lastSeen))
            {
                return;
            }

            _lastSeen = contents;
            changed = _changed;
            _changed = new CancellationTokenSource();
        }

        LogChanged(SectionPath);
        try
        {
            changed.Cancel();
        }
#pragma warning disable CA1031 // A listener's failure must not escape into the configuration provider's reload.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogListenerFailed(SectionPath, ex);
        }
    }

    /// <summary>Every key and value of the section, in key order.</summary>
    private (string Key, string? Value)[] Contents() =>
        [.. _configuration.AsEnumerable().Select(pair => (pair.Key, pair.Value)).OrderBy(pair => pair.Key, StringComparer.Ordinal)];

    [LoggerMessage(EventId = CoreLogEvents.ConfigSectionChanged, EventName = nameof(CoreLogEvents.ConfigSectionChanged), Level = LogLevel.Information, Message = "Configuration section '{Section}' changed; reloading")]
    private partial void LogChanged(string section);

    [LoggerMessage(EventId = CoreLogEvents.ConfigSectionListenerFailed, EventName = nameof(CoreLogEvents.ConfigSectionListenerFailed), Level = LogLevel.Error, Message = "A listener of the reload token of configuration section '{Section}' failed")]
    private partial void LogListenerFailed(string section, Exception exception);
}
