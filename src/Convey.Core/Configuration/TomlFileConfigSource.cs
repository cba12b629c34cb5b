using Microsoft.Extensions.Primitives;

namespace Convey.Configuration;

/// <summary>Configuration from a TOML file, reloaded when the file changes.</summary>
public sealed class TomlFileConfigSource : IConfigSource
{
    /// <summary>Creates a source for the file at <paramref name="path"/>.</summary>
    public TomlFileConfigSource(string path)
    {
        Path = path;
    }

    /// <summary>The configuration file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public ValueTask<ConveyConfig> LoadAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(TomlConfigReader.ReadFile(Path));

    /// <inheritdoc />
    public IChangeToken GetReloadToken() => new CancellationChangeToken(CancellationToken.None);
}
