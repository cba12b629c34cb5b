using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Convey.Configuration.Toml;
using Microsoft.Extensions.Primitives;

namespace Convey.Configuration;

/// <summary>
/// Configuration from a TOML file, reloaded when the file's content changes. It watches the file's directory
/// rather than the file, so it follows in-place writes, editors that write a temporary file and rename it over
/// the original, and Kubernetes ConfigMap volumes (the file is a symlink through <c>..data</c>, which is swapped
/// atomically). Bursts of file events are debounced, and the reload token fires only when the bytes read through
/// the path differ from the last ones seen and have held still for one more debounce time, so each change gives
/// exactly one reload and a write in progress is not reported half done. A slow poll backs the watcher up where
/// file events are not delivered (some network and container file systems).
/// </summary>
internal sealed partial class TomlFileConfigSource : IConfigSource, IDisposable
{
    /// <summary>Default quiet time after the last file event before the file is read again.</summary>
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(200);

    /// <summary>Default interval of the safety-net poll.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Longest a burst of events can postpone a check, in debounce times.</summary>
    private const int MaxDebounceFactor = 10;

    private readonly TimeSpan _debounce;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ITimer _debounceTimer;
    private readonly ITimer? _pollTimer;
    private readonly FileSystemWatcher? _watcher;
    private CancellationTokenSource _changed = new();
    // The file's bytes as last loaded, and as last seen changed: compared whole rather than hashed, because a
    // configuration file is small and a hash would load a cryptography library (megabytes) into the process.
    private byte[]? _lastSeen;
    private byte[]? _candidate;
    private long? _pendingSince;
    private bool _disposed;

    /// <summary>Creates a source for the file at <paramref name="path"/> with the system clock and no logging.</summary>
    public TomlFileConfigSource(string path)
        : this(path, TimeProvider.System, NullLogger<TomlFileConfigSource>.Instance)
    {
    }

    /// <summary>Creates a source for the file at <paramref name="path"/>.</summary>
    /// <param name="path">The configuration file; relative paths are resolved against the current directory.</param>
    /// <param name="timeProvider">Clock of the debounce and poll timers.</param>
    /// <param name="logger">Receives detected changes and watcher problems.</param>
    /// <param name="debounce">Quiet time after the last file event before reading; <see cref="DefaultDebounce"/> when null.</param>
    /// <param name="pollInterval">Interval of the safety-net poll; <see cref="DefaultPollInterval"/> when null, <see cref="Timeout.InfiniteTimeSpan"/> for none.</param>
    public TomlFileConfigSource(string path, TimeProvider timeProvider, ILogger<TomlFileConfigSource> logger, TimeSpan? debounce = null, TimeSpan? pollInterval = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Path = System.IO.Path.GetFullPath(path);
        _debounce = debounce ?? DefaultDebounce;
        _time = timeProvider;
        _logger = logger;
        _lastSeen = TryReadFile();
        _debounceTimer = timeProvider.CreateTimer(static s => ((TomlFileConfigSource)s!).CheckForChange(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var poll = pollInterval ?? DefaultPollInterval;
        if (poll != Timeout.InfiniteTimeSpan)
        {
            _pollTimer = timeProvider.CreateTimer(static s => ((TomlFileConfigSource)s!).ScheduleCheck(), this, poll, poll);
        }

        _watcher = TryWatchDirectory();
    }

    /// <summary>The configuration file (full path).</summary>
    public string Path { get; }

    /// <inheritdoc />
    public ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ConveyConfig>(cancellationToken);
        }

        try
        {
            // Read synchronously: the file is local and its size is capped.
            return ValueTask.FromResult(Load());
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

    /// <summary>Stops watching the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _watcher?.Dispose();
        _debounceTimer.Dispose();
        _pollTimer?.Dispose();
    }

    private ConveyConfig Load()
    {
        var bytes = ConfigFileText.ReadBytes(Path);
        lock (_gate)
        {
            // What was loaded is what the next change is measured against, so a change already loaded does not fire again.
            _lastSeen = bytes;
        }

        return TomlConfigReader.Parse(ConfigFileText.ToText(bytes, Path), Path);
    }

    private FileSystemWatcher? TryWatchDirectory()
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        try
        {
            // The whole directory, not the file: a rename over the file or a swapped ..data symlink
            // changes directory entries, not the file the path named before.
            var watcher = new FileSystemWatcher(directory!)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite
                    | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
                IncludeSubdirectories = false,
            };
            watcher.Changed += OnFileEvent;
            watcher.Created += OnFileEvent;
            watcher.Deleted += OnFileEvent;
            watcher.Renamed += OnFileEvent;
            watcher.Error += OnWatcherError;
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            LogWatchFailed(Path, ex);
            return null;
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => ScheduleCheck();

    private void OnWatcherError(object sender, ErrorEventArgs e)
    {
        // An overflowed event queue loses events; read the file to be sure.
        LogWatcherError(Path, e.GetException());
        ScheduleCheck();
    }

    /// <summary>
    /// Reads the file once events have been quiet for the debounce time, or at the latest
    /// <see cref="MaxDebounceFactor"/> debounce times after the first event, so that a directory with constant
    /// activity (a log written next to the file) cannot postpone the check forever.
    /// </summary>
    private void ScheduleCheck()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var now = _time.GetTimestamp();
            _pendingSince ??= now;
            var waited = _time.GetElapsedTime(_pendingSince.Value, now);
            var latest = (_debounce * MaxDebounceFactor) - waited;
            _debounceTimer.Change(latest < _debounce ? (latest > TimeSpan.Zero ? latest : TimeSpan.Zero) : _debounce, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// Fires the reload token when the file holds new content that has stayed the same for one debounce time: a
    /// first read of new content only arms a second read, so a write still in progress (an in-place rewrite
    /// truncates, then writes) is not reported half done.
    /// </summary>
    private void CheckForChange()
    {
        lock (_gate)
        {
            _pendingSince = null;
        }

        var content = TryReadFile();
        if (content is null)
        {
            // Missing or unreadable for now (mid-swap, deleted): keep the last configuration and wait for the next event.
            return;
        }

        CancellationTokenSource changed;
        lock (_gate)
        {
            if (_disposed || (_lastSeen is not null && content.AsSpan().SequenceEqual(_lastSeen)))
            {
                _candidate = null;
                return;
            }

            if (_candidate is null || !content.AsSpan().SequenceEqual(_candidate))
            {
                _candidate = content;
                if (_pendingSince is null)
                {
                    _debounceTimer.Change(_debounce, Timeout.InfiniteTimeSpan);
                }

                return;
            }

            _candidate = null;
            _lastSeen = content;
            changed = _changed;
            _changed = new CancellationTokenSource();
        }

        LogChanged(Path);
        try
        {
            changed.Cancel();
        }
#pragma warning disable CA1031 // A listener's failure must not take down the timer thread, and so the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogListenerFailed(Path, ex);
        }
    }

    private byte[]? TryReadFile()
    {
        try
        {
            return ConfigFileText.ReadBytes(Path);
        }
        catch (ConfigException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = CoreLogEvents.ConfigFileChanged, EventName = nameof(CoreLogEvents.ConfigFileChanged), Level = LogLevel.Information, Message = "Configuration file {Path} changed; reloading")]
    private partial void LogChanged(string path);

    [LoggerMessage(EventId = CoreLogEvents.ConfigFileNotWatched, EventName = nameof(CoreLogEvents.ConfigFileNotWatched), Level = LogLevel.Warning, Message = "Cannot watch {Path} for changes; it is polled instead")]
    private partial void LogWatchFailed(string path, Exception exception);

    [LoggerMessage(EventId = CoreLogEvents.ConfigFileListenerFailed, EventName = nameof(CoreLogEvents.ConfigFileListenerFailed), Level = LogLevel.Error, Message = "A listener of the reload token of {Path} failed")]
    private partial void LogListenerFailed(string path, Exception exception);

    [LoggerMessage(EventId = CoreLogEvents.ConfigFileWatcherError, EventName = nameof(CoreLogEvents.ConfigFileWatcherError), Level = LogLevel.Warning, Message = "The watcher of {Path} reported an error; the file is read again")]
    private partial void LogWatcherError(string path, Exception exception);
}
