using Microsoft.Extensions.Primitives;

namespace Convey.Configuration;

/// <summary>
/// A configuration source an embedding application updates in code: each <see cref="Update"/> fires the
/// reload token, and the runtime applies the new snapshot (or refuses it and keeps the last good one).
/// </summary>
public sealed class InMemoryConfigSource : IConfigSource
{
    private ConveyConfig _config;
    private CancellationTokenSource _changed = new();

    /// <summary>Creates the source with its first snapshot.</summary>
    public InMemoryConfigSource(ConveyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config;
    }

    /// <summary>The snapshot the source holds now.</summary>
    public ConveyConfig Config => Volatile.Read(ref _config);

    /// <summary>Replaces the snapshot and signals the runtime to apply it.</summary>
    public void Update(ConveyConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Volatile.Write(ref _config, config);
        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        previous.Cancel();
    }

    /// <inheritdoc />
    public ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Config);

    /// <inheritdoc />
    public IChangeToken GetReloadToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);
}
