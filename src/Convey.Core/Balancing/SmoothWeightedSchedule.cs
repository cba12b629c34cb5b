namespace Convey.Balancing;

/// <summary>
/// One full cycle of NGINX's smooth weighted round-robin, computed ahead so picks only read it. Each step adds
/// every server's weight to its score, takes the highest score (the first on a tie) and subtracts the total
/// from it; after sum-of-weights steps every score is back to zero, so the cycle repeats exactly.
/// </summary>
internal static class SmoothWeightedSchedule
{
    /// <summary>Upper bound on steps × servers spent building one cycle (a few milliseconds at most).</summary>
    internal const long BuildBudget = 1 << 24;

    /// <summary>Longest cycle kept, whatever the server count.</summary>
    internal const int MaxLength = 1 << 16;

    /// <summary>Builds the cycle: the server index to use at each step.</summary>
    public static int[] Build(ReadOnlySpan<int> weights)
    {
        if (weights.IsEmpty)
        {
            return [];
        }

        var steps = Reduce(weights);
        long total = 0;
        foreach (var weight in steps)
        {
            total += weight;
        }

        var schedule = new int[total];
        var current = new long[steps.Length];
        for (var step = 0; step < schedule.Length; step++)
        {
            var best = 0;
            for (var i = 0; i < steps.Length; i++)
            {
                current[i] += steps[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            schedule[step] = best;
        }

        return schedule;
    }

    /// <summary>
    /// Divides the weights by their greatest common divisor (same sequence, shorter cycle) and, when the cycle is
    /// still too long to build quickly, scales them down keeping every server at least 1. The scaling moves a
    /// server's share by less than one step in a cycle of thousands: far below any measurable skew.
    /// </summary>
    private static int[] Reduce(ReadOnlySpan<int> weights)
    {
        var divisor = 0;
        long total = 0;
        foreach (var weight in weights)
        {
            divisor = GreatestCommonDivisor(divisor, weight);
            total += weight;
        }

        total /= divisor;
        var limit = Math.Max(weights.Length, Math.Min(MaxLength, BuildBudget / weights.Length));
        var reduced = new int[weights.Length];
        for (var i = 0; i < reduced.Length; i++)
        {
            var weight = weights[i] / divisor;
            reduced[i] = total <= limit ? weight : (int)Math.Max(1, weight * limit / total);
        }

        return reduced;
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
