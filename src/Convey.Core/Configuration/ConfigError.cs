namespace Convey.Configuration;

/// <summary>One problem found in a configuration, with where it is and how to fix it.</summary>
public sealed class ConfigError
{
    /// <summary>Creates an error.</summary>
    /// <param name="source">File path, or another name of the source.</param>
    /// <param name="line">1-based line, or 0 when the problem has no single place in the file.</param>
    /// <param name="column">1-based column, or 0 when unknown.</param>
    /// <param name="keyPath">Dotted key path, for example <c>backends.web.servers.s1.addr</c>.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public ConfigError(string source, int line, int column, string keyPath, string message)
    {
        Source = source;
        Line = line;
        Column = column;
        KeyPath = keyPath;
        Message = message;
    }

    /// <summary>File path, or another name of the source.</summary>
    public string Source { get; }

    /// <summary>1-based line, or 0 when the problem has no single place in the file.</summary>
    public int Line { get; }

    /// <summary>1-based column, or 0 when unknown.</summary>
    public int Column { get; }

    /// <summary>Dotted key path, for example <c>backends.web.servers.s1.addr</c>.</summary>
    public string KeyPath { get; }

    /// <summary>What is wrong and how to fix it.</summary>
    public string Message { get; }

    /// <summary>Formats the error as <c>file:line:column key: message</c>, leaving out the parts it does not have.</summary>
    public override string ToString()
    {
        var place = Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
        return KeyPath.Length > 0 ? $"{place} {KeyPath}: {Message}" : $"{place}: {Message}";
    }
}
