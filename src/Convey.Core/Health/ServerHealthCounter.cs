using System.Globalization;

namespace Convey.Health;

/// <summary>
/// Consecutive successes and failures of one server, and the rise/fall rule applied to them.
/// Not thread-safe: the monitor locks it around each call.
/// </summary>
internal sealed class ServerHealthCounter
{
    private int _successes;
    private int _failures;
    private int _passiveFailures;

    /// <summary>Counts a successful probe; returns the change to "up" when <paramref name="rise"/> is reached by a down server.</summary>
    public HealthChange? Succeeded(bool healthy, int rise)
    {
        _failures = 0;
        _passiveFailures = 0;
        _successes++;
        return !healthy && _successes >= rise
            ? new HealthChange(true, Plural(_successes, "consecutive successful probe"), HealthTransitionSource.Probe)
            : null;
    }

    /// <summary>Counts a failure; returns the change to "down" when <paramref name="fall"/> is reached by an up server.</summary>
    public HealthChange? Failed(bool healthy, int fall, string? reason, HealthTransitionSource source)
    {
        _successes = 0;
        _failures++;
        if (source == HealthTransitionSource.Passive)
        {
            _passiveFailures++;
        }

        if (!healthy || _failures < fall)
        {
            return null;
        }

        // The change is credited to passive health when reported failures tipped the balance.
        var cause = _passiveFailures > 0 ? HealthTransitionSource.Passive : HealthTransitionSource.Probe;
        return new HealthChange(false, $"{Plural(_failures, "consecutive failure")}, last: {reason ?? "unknown"}", cause);
    }

    private static string Plural(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");
}
