using System.Globalization;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Health;

/// <summary>
/// Consecutive successes and failures of one server, and the rule applied to them: a pending server's first probe
/// decides (one pass brings it up, one failure takes it down); after that an up server goes down after
/// <c>fall</c> consecutive failures and a down server comes back after <c>rise</c> consecutive successful probes.
/// Connect failures reported by an engine count toward <c>fall</c> but never decide a pending server: only a probe
/// does; and at most one report counts per spacing (<see cref="AdmitPassive"/>). The counts are touched by the
/// monitor's report reader only; <see cref="AdmitPassive"/> is called by engines on any thread.
/// </summary>
internal sealed class ServerHealthCounter
{
    private const long NoneAdmitted = long.MinValue;
    private int _successes;
    private int _failures;
    private int _passiveFailures;
    private long _lastPassiveAdmitted = NoneAdmitted;

    /// <summary>
    /// Whether a connect failure reported at <paramref name="now"/> counts: the first does, then one per
    /// <paramref name="spacing"/> (timestamp ticks) at most, so a burst of reports — one client's doing, or one
    /// moment's — weighs as one failure and cannot reach <c>fall</c> on its own. Lock-free: of concurrent reports
    /// one at most is admitted.
    /// </summary>
    public bool AdmitPassive(long now, long spacing)
    {
        var last = Volatile.Read(ref _lastPassiveAdmitted);
        if (last != NoneAdmitted && now - last < spacing)
        {
            return false;
        }

        return Interlocked.CompareExchange(ref _lastPassiveAdmitted, now, last) == last;
    }

    /// <summary>Counts a successful probe; returns the change to "up" for a pending server, or for a down one once <paramref name="rise"/> is reached.</summary>
    public HealthChange? Succeeded(ServerHealth health, int rise)
    {
        _failures = 0;
        _passiveFailures = 0;
        _successes++;
        return health switch
        {
            ServerHealth.Pending => new HealthChange(true, "first probe passed", HealthTransitionSource.Probe),
            ServerHealth.Down when _successes >= rise =>
                new HealthChange(true, Plural(_successes, "consecutive successful probe"), HealthTransitionSource.Probe),
            _ => null,
        };
    }

    /// <summary>
    /// Counts a failure; returns the change to "down" for a pending server's failed probe, or for an up server once
    /// <paramref name="fall"/> is reached.
    /// </summary>
    public HealthChange? Failed(ServerHealth health, int fall, string? reason, HealthTransitionSource source)
    {
        _successes = 0;
        _failures++;
        if (source == HealthTransitionSource.Passive)
        {
            _passiveFailures++;
        }

        if (health == ServerHealth.Pending)
        {
            return source == HealthTransitionSource.Probe
                ? new HealthChange(false, $"first probe failed: {reason ?? "unknown"}", HealthTransitionSource.Probe)
                : null;
        }

        if (health != ServerHealth.Up || _failures < fall)
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
