namespace Convey.Configuration;

/// <summary>One problem found in a configuration, with where it is and how to fix it.</summary>
/// <param name="Source">File path, or another name of the source.</param>
/// <param name="Line">1-based line, or 0 when the problem has no single place in the file.</param>
/// <param name="Column">1-based column, or 0 when unknown.</param>
/// <param name="KeyPath">Dotted key path, for example <c>backends.web.servers.s1.addr</c>.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(string Source, int Line, int Column, string KeyPath, string Message)
{
    /// <summary>Formats the error as <c>file:line:column key: message</c>, leaving out the parts it does not have.</summary>
    public override string ToString()
    {
        var place = Line > 0 ? $"{Source}:{Line}:{Column}" : Source;
        return KeyPath.Length > 0 ? $"{place} {KeyPath}: {Message}" : $"{place}: {Message}";
    }
}
