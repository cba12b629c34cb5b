using Convey.Configuration;
using Convey.Core.Tests.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// File watching with real files in a temporary directory and a fake clock for the debounce: file events come
/// from the operating system, so each wait is a bounded poll of a few seconds at most.
/// </summary>
public sealed class TomlFileConfigSourceTests : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);
    private readonly string _directory = Directory.CreateTempSubdirectory("convey-watch-").FullName;
    private readonly FakeTimeProvider _time = new();
    private readonly List<IDisposable> _disposables = [];
    private int _reloads;

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static string Config(int port) => TestConfigs.WebToml(port: port);

    private TomlFileConfigSource Watch(string path, TimeSpan? pollInterval = null)
    {
        var source = new TomlFileConfigSource(path, _time, NullLogger<TomlFileConfigSource>.Instance, pollInterval: pollInterval ?? Timeout.InfiniteTimeSpan);
        _disposables.Add(source);
        _disposables.Add(ChangeToken.OnChange(source.GetReloadToken, () => Interlocked.Increment(ref _reloads)));
        return source;
    }

    /// <summary>Lets file events arrive and the debounce elapse until <paramref name="expected"/> reloads, then checks no more follow.</summary>
    private async Task AssertReloadsAsync(int expected)
    {
        await FileEventPump.UntilAsync(_time, () => Volatile.Read(ref _reloads) >= expected, $"{expected} reload(s)");
        await FileEventPump.ForAsync(_time, Settle);

        Assert.Equal(expected, Volatile.Read(ref _reloads));
    }

    [Fact]
    public async Task In_place_write_triggers_exactly_one_reload()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        Assert.Equal(3000, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);

        await File.WriteAllTextAsync(path, Config(3001));

        await AssertReloadsAsync(1);
        Assert.Equal(3001, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Fact]
    public async Task Write_temp_then_rename_over_triggers_exactly_one_reload()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);

        var temp = Path.Combine(_directory, ".convey.toml.swp");
        await File.WriteAllTextAsync(temp, Config(3002));
        File.Move(temp, path, overwrite: true);

        await AssertReloadsAsync(1);
        Assert.Equal(3002, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Fact]
    public async Task Kubernetes_style_symlink_swap_triggers_exactly_one_reload()
    {
        // The ConfigMap layout: convey.toml -> ..data/convey.toml, ..data -> ..2026_01_01_a (a timestamped dir).
        var first = Directory.CreateDirectory(Path.Combine(_directory, "..2026_01_01_a")).FullName;
        await File.WriteAllTextAsync(Path.Combine(first, "convey.toml"), Config(3000));
        var data = Path.Combine(_directory, "..data");
        Directory.CreateSymbolicLink(data, first);
        var path = Path.Combine(_directory, "convey.toml");
        File.CreateSymbolicLink(path, Path.Combine("..data", "convey.toml"));
        var source = Watch(path);
        await source.LoadAsync(default);

        var second = Directory.CreateDirectory(Path.Combine(_directory, "..2026_01_01_b")).FullName;
        await File.WriteAllTextAsync(Path.Combine(second, "convey.toml"), Config(3003));
        var dataTemp = Path.Combine(_directory, "..data_tmp");
        Directory.CreateSymbolicLink(dataTemp, second);
        RenameOver(dataTemp, data);
        Directory.Delete(first, recursive: true);

        await AssertReloadsAsync(1);
        Assert.Equal(3003, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    /// <summary>rename(2) of a symlink over another, atomically, as kubelet swaps ..data (File.Move refuses directory links).</summary>
    private static void RenameOver(string source, string destination)
    {
        using var mv = System.Diagnostics.Process.Start("mv", ["-T", source, destination]);
        Assert.True(mv.WaitForExit(5000), "mv did not finish");
        Assert.Equal(0, mv.ExitCode);
    }

    [Fact]
    public async Task A_burst_of_writes_gives_one_reload()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);

        for (var port = 4000; port < 4010; port++)
        {
            await File.WriteAllTextAsync(path, Config(port));
        }

        await AssertReloadsAsync(1);
        Assert.Equal(4009, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Fact]
    public async Task Constant_activity_in_the_directory_cannot_postpone_a_reload_forever()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);
        var log = Path.Combine(_directory, "access.log");

        await File.WriteAllTextAsync(path, Config(3006));
        var line = 0;
        // A write every half debounce: events never go quiet for a whole debounce time.
        await Eventually.TrueAsync(() => Volatile.Read(ref _reloads) > 0, "a reload despite the constant activity", () =>
        {
            File.AppendAllText(log, $"line {line++}\n");
            _time.Advance(TomlFileConfigSource.DefaultDebounce / 2);
        });

        Assert.Equal(1, Volatile.Read(ref _reloads));
    }

    [Fact]
    public async Task Rewriting_the_same_content_triggers_no_reload()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);

        await File.WriteAllTextAsync(path, Config(3000));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        await AssertReloadsAsync(0);
    }

    [Fact]
    public async Task The_poll_notices_a_change_the_watcher_did_not_report()
    {
        // The file lives in a directory the watcher does not cover: a symlink elsewhere.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        var target = Path.Combine(elsewhere, "real.toml");
        await File.WriteAllTextAsync(target, Config(3000));
        var linkDirectory = Directory.CreateDirectory(Path.Combine(_directory, "etc")).FullName;
        var path = Path.Combine(linkDirectory, "convey.toml");
        File.CreateSymbolicLink(path, target);
        var source = Watch(path, pollInterval: TimeSpan.FromSeconds(5));
        await source.LoadAsync(default);

        await File.WriteAllTextAsync(target, Config(3004));
        _time.Advance(TimeSpan.FromSeconds(5));

        await AssertReloadsAsync(1);
        Assert.Equal(3004, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Fact]
    public async Task A_bad_edit_fires_and_load_surfaces_the_error_then_a_fix_fires_again()
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);

        await File.WriteAllTextAsync(path, Config(3000).Replace("127.0.0.1:8080", "127.0.0.1:80800", StringComparison.Ordinal));
        await AssertReloadsAsync(1);
        var ex = await Assert.ThrowsAsync<ConfigException>(async () => await source.LoadAsync(default));
        var error = Assert.Single(ex.Errors);
        Assert.Equal((path, 6, 1, "backends.pool.servers.s1.addr"), (error.Source, error.Line, error.Column, error.KeyPath));

        await File.WriteAllTextAsync(path, Config(3005));
        await AssertReloadsAsync(2);
        Assert.Equal(3005, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t\n  \n")]
    [InlineData("# being rewritten\n")]
    public async Task An_emptied_file_fires_a_reload_whose_load_is_refused_then_the_next_real_change_fires_again(string empty)
    {
        var path = Path.Combine(_directory, "convey.toml");
        await File.WriteAllTextAsync(path, Config(3000));
        var source = Watch(path);
        await source.LoadAsync(default);

        await File.WriteAllTextAsync(path, empty);
        await AssertReloadsAsync(1);
        var ex = await Assert.ThrowsAsync<ConfigException>(async () => await source.LoadAsync(default));
        Assert.Contains("the file is empty", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);

        await File.WriteAllTextAsync(path, Config(3001));
        await AssertReloadsAsync(2);
        Assert.Equal(3001, (await source.LoadAsync(default)).Frontends[0].ListenEndPoint.Port);
    }

    [Fact]
    public async Task A_write_cut_mid_table_is_not_reported_until_the_content_holds_still_for_a_debounce_time()
    {
        // No file events (a symlink to another directory), so only the fake clock decides when the file is read.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_directory, "elsewhere")).FullName;
        var target = Path.Combine(elsewhere, "real.toml");
        await File.WriteAllTextAsync(target, TwoServers(3000));
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "etc")).FullName, "convey.toml");
        File.CreateSymbolicLink(path, target);
        var poll = TimeSpan.FromSeconds(5);
        var source = Watch(path, pollInterval: poll);
        await source.LoadAsync(default);
        var whole = TwoServers(3001);
        var cut = whole[..(whole.IndexOf("[backends.pool.servers.s2]", StringComparison.Ordinal) + "[backends.pool.ser".Length)];

        // The writer has truncated the file and written the part up to the middle of s2's table header...
        await File.WriteAllTextAsync(target, whole[..whole.IndexOf("[backends.pool.servers.s2]", StringComparison.Ordinal)]);
        _time.Advance(poll);
        _time.Advance(TomlFileConfigSource.DefaultDebounce);
        Assert.Equal(0, Volatile.Read(ref _reloads));
        await File.WriteAllTextAsync(target, cut);
        _time.Advance(TomlFileConfigSource.DefaultDebounce);
        Assert.Equal(0, Volatile.Read(ref _reloads));

        // ...then the rest: reported once it has held still for a debounce time.
        await File.WriteAllTextAsync(target, whole);
        _time.Advance(TomlFileConfigSource.DefaultDebounce);
        Assert.Equal(0, Volatile.Read(ref _reloads));
        _time.Advance(TomlFileConfigSource.DefaultDebounce);
        Assert.Equal(1, Volatile.Read(ref _reloads));
        var loaded = await source.LoadAsync(default);
        Assert.Equal((3001, 2), (loaded.Frontends[0].ListenEndPoint.Port, loaded.Pools[0].Servers.Length));

        _time.Advance(poll + TomlFileConfigSource.DefaultDebounce + TomlFileConfigSource.DefaultDebounce);
        Assert.Equal(1, Volatile.Read(ref _reloads));
    }

    private static string TwoServers(int port) => Config(port) + """


        [backends.pool.servers.s2]
        addr = "127.0.0.1:8081"
        """;

    [Fact]
    public async Task A_missing_file_loads_as_config_exception_naming_the_path()
    {
        var path = Path.Combine(_directory, "absent.toml");
        var source = Watch(path);

        var ex = await Assert.ThrowsAsync<ConfigException>(async () => await source.LoadAsync(default));

        Assert.Equal(path, Assert.Single(ex.Errors).Source);
    }

    [Fact]
    public async Task A_file_created_after_start_triggers_a_reload()
    {
        var path = Path.Combine(_directory, "later.toml");
        Watch(path);

        await File.WriteAllTextAsync(path, Config(3000));

        await AssertReloadsAsync(1);
    }
}
