namespace Convey.Configuration.Toml;

/// <summary>Finds the known key nearest to a misspelt one (Levenshtein distance).</summary>
internal static class KeySuggestion
{
    /// <summary>The nearest of <paramref name="candidates"/>, or null when none is close enough to be a plausible typo.</summary>
    public static string? Nearest(string key, IReadOnlyCollection<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(key.ToLowerInvariant(), candidate);
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        // More edits than half the word's length is a different word, not a typo.
        return best is not null && bestDistance <= Math.Max(2, best.Length / 2) ? best : null;
    }

    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
