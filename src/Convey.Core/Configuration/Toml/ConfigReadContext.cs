using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Convey.Configuration.Toml;

/// <summary>
/// State shared while one document is read: where every key was written, and the problems found so far. The document
/// is TOML, or an <c>IConfiguration</c> section converted to the same model, whose values are all text.
/// </summary>
internal sealed class ConfigReadContext
{
    private readonly TomlMetadataStore? _metadata;
    private readonly FilePositionMap? _positions;
    private readonly List<ConfigError> _errors = [];
    private readonly List<string> _reportedPaths = [];

    /// <summary>Reads a TOML document, whose key positions are in <paramref name="metadata"/>.</summary>
    public ConfigReadContext(string source, TomlMetadataStore metadata)
    {
        Source = source;
        _metadata = metadata;
        _positions = new FilePositionMap();
        SourceMap = _positions;
    }

    /// <summary>Reads a converted <c>IConfiguration</c> section, whose configuration paths are in <paramref name="paths"/>.</summary>
    public ConfigReadContext(string source, ConfigurationPathMap paths)
    {
        Source = source;
        SourceMap = paths;
        ValuesAreText = true;
    }

    public string Source { get; }

    /// <summary>Whether every value is text (an <c>IConfiguration</c> source), so numbers and booleans are read from strings.</summary>
    public bool ValuesAreText { get; }

    public IReadOnlyList<ConfigError> Errors => _errors;

    /// <summary>Where every key read so far was written; handed to the snapshot once the document is read.</summary>
    public ConfigSourceMap SourceMap { get; }

    /// <summary>
    /// Records where each key of TOML <paramref name="table"/> (at <paramref name="path"/>) was written. A converted
    /// configuration section had its paths recorded while it was converted.
    /// </summary>
    public void RecordPositions(TomlTable table, string path)
    {
        if (_metadata is null || _positions is null || !_metadata.TryGetProperties(table, out var properties) || properties is null)
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

    /// <summary>Adds a problem of the key at dotted <paramref name="path"/>, placed where that key was written.</summary>
    public void Report(string path, string message)
    {
        _reportedPaths.Add(path);
        _errors.Add(SourceMap.Place(new ConfigError(Source, 0, 0, path, message)));
    }

    /// <summary>
    /// Adds the snapshot-wide problems the validator found, placed at their keys, except those about a key
    /// already reported (or its table or one of its values): the reader substituted a placeholder there.
    /// </summary>
    public void AddValidatorErrors(IEnumerable<ConfigError> errors)
    {
        var reported = _reportedPaths.ToArray();
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
