using System.Collections.Frozen;

namespace Convey.Proxy.Inspection.Sni;

/// <summary>
/// The <c>[frontends.NAME.sni]</c> table: server names to pools. An exact name wins over a wildcard; among wildcards
/// (<c>*.example.com</c>, matching any name that ends in <c>.example.com</c>, at any depth, but not
/// <c>example.com</c> itself) the longest suffix wins. Looking up allocates nothing.
/// </summary>
internal sealed class SniRoutes
{
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly FrozenDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _suffixes;

    /// <summary>Routes from lower-case names (<c>*.</c> for wildcards) to pool names.</summary>
    public SniRoutes(IEnumerable<KeyValuePair<string, string>> routes)
    {
        var exact = new Dictionary<string, string>(StringComparer.Ordinal);
        var suffixes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, pool) in routes)
        {
            if (name.StartsWith("*.", StringComparison.Ordinal))
            {
                suffixes[name[1..]] = pool;
            }
            else
            {
                exact[name] = pool;
            }
        }

        Count = exact.Count + suffixes.Count;
        _exact = exact.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _suffixes = suffixes.ToFrozenDictionary(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count { get; }

    /// <summary>The pool for <paramref name="name"/> (lower case ASCII), or null when no route matches.</summary>
    public string? Find(ReadOnlySpan<byte> name)
    {
        Span<char> text = stackalloc char[ClientHelloParser.NameBufferLength];
        var chars = text[..name.Length];
        for (var i = 0; i < name.Length; i++)
        {
            chars[i] = (char)name[i];
        }

        if (_exact.TryGetValue(chars, out var pool))
        {
            return pool;
        }

        for (var dot = chars.IndexOf('.'); dot >= 0; dot = NextDot(chars, dot))
        {
            if (_suffixes.TryGetValue(chars[dot..], out pool))
            {
                return pool;
            }
        }

        return null;
    }

    private static int NextDot(ReadOnlySpan<char> name, int dot)
    {
        var next = name[(dot + 1)..].IndexOf('.');
        return next < 0 ? -1 : dot + 1 + next;
    }
}
