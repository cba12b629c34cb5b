using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Convey.Configuration.Toml;

/// <summary>
/// Checks the text is valid TOML (syntax, duplicate keys, redefined tables) with Tomlyn's syntax parser, which
/// recovers after an error and so reports them all. Each error is placed at its line and column, under the key
/// path of the key/value or table header it is in.
/// </summary>
internal static class TomlSyntaxErrors
{
    public static IReadOnlyList<ConfigError> Find(string text, string source)
    {
        var document = SyntaxParser.Parse(text, source, validate: true);
        if (!document.HasErrors)
        {
            return [];
        }

        var errors = new List<ConfigError>();
        var linesSeen = new HashSet<int>();
        foreach (var diagnostic in document.Diagnostics.OrderBy(d => d.Span.Start.Offset))
        {
            // After the first error on a line the parser's recovery adds echoes of it; the first one is the cause.
            if (diagnostic.Kind != DiagnosticMessageKind.Error || !linesSeen.Add(diagnostic.Span.Start.Line))
            {
                continue;
            }

            var start = diagnostic.Span.Start;
            errors.Add(new ConfigError(source, start.Line + 1, start.Column + 1, KeyPathAt(document, start.Offset), "TOML: " + diagnostic.Message));
        }

        return errors;
    }

    private static string KeyPathAt(DocumentSyntax document, int offset)
    {
        var table = "";
        IEnumerable<KeyValueSyntax> items = document.KeyValues;
        foreach (var candidate in document.Tables)
        {
            if (candidate.Span.Start.Offset > offset)
            {
                break;
            }

            table = KeyText(candidate.Name);
            items = candidate.Items;
        }

        foreach (var item in items)
        {
            if (item.Span.Start.Offset <= offset && offset <= item.Span.End.Offset)
            {
                return ConfigReadContext.Join(table, KeyText(item.Key));
            }
        }

        return table;
    }

    private static string KeyText(KeySyntax? key)
    {
        if (key is null)
        {
            return "";
        }

        var parts = new List<string> { PartText(key.Key) };
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(PartText(dotted.Key));
        }

        return string.Join('.', parts.Where(p => p.Length > 0));
    }

    private static string PartText(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };
}
