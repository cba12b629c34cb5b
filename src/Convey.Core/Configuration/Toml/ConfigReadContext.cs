using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Convey.Configuration.Toml;

/// <summary>
/// State shared while one TOML document is read: where every key was written, and the problems found so far.
/// </summary>
internal sealed class ConfigReadContext
{
    private readonly TomlMetadataStore _metadata;
    private readonly ConfigSourceMap _positions = new();
    private readonly List<ConfigError> _errors = [];

    public ConfigReadContext(string source, TomlMetadataStore metadata)
    {
        Source = source;
        _metadata = metadata;
    }

    public string Source { get; }

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Where every key read so far was written; handed to the snapshot once the document is read.</summary>
    public ConfigSourceMap SourceMap => _positions;

    /// <summary>Records where each key of <paramref name="table"/> (at <paramref name="path"/>) was written.</summary>
    public void RecordPositions(TomlTable table, string path)
    {
        if (!_metadata.TryGetProperties(table, out var properties) || properties is null)
        {
            return;
        }

        foreach (var key in table.Keys)
        {
            if (properties.TryGetProperty(key, out var property) && property?.Span is { } span)
            {
                // Tomlyn positions are zero-based; ours are one-based like an editor's.
                _positions.Record(Join(path, key), new KeyPosition(span.Start.Line + 1, span.Start.Column + 1));
            }
        }
    }

    public void Report(string path, string message)
    {
        var position = _positions.Locate(path);
        _errors.Add(new ConfigError(Source, position.Line, position.Column, path, message));
    }

    /// <summary>
    /// Adds the snapshot-wide problems the validator found, placed at their keys, except those about a key
    /// already reported (or its table or one of its values): the reader substituted a placeholder there.
    /// </summary>
    public void AddValidatorErrors(IEnumerable<ConfigError> errors)
    {
        var reported = _errors.Select(e => e.KeyPath).ToArray();
        foreach (var error in errors)
        {
            if (reported.Any(path => Related(path, error.KeyPath)))
            {
                continue;
            }

            Report(error.KeyPath, error.Message);
        }
    }

    /// <summary>The errors in file order (stable for errors at the same place).</summary>
    public IReadOnlyList<ConfigError> ErrorsInFileOrder() =>
        [.. _errors.OrderBy(e => e.Line == 0 ? int.MaxValue : e.Line).ThenBy(e => e.Column)];

    public static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static bool Related(string reported, string found) =>
        reported == found
        || reported.StartsWith(found + ".", StringComparison.Ordinal)
        || found.StartsWith(reported + ".", StringComparison.Ordinal);
}

/// <summary>A one-based line and column in the configuration text.</summary>
internal readonly record struct KeyPosition(int Line, int Column);
