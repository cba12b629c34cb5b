using Convey.Forwarding;

namespace Convey.Bird.Announcement;

/// <summary>
/// Whether the instance is fit to serve the address it announces: a configuration is applied, every frontend listens
/// (its engine receives its traffic), and every frontend's pool has a server that passed its health checks. A pool
/// whose servers all wait for their first probe is not yet fit: announcing it could draw traffic to servers that are down.
/// </summary>
internal static class ServingFitness
{
    /// <summary>Null when fit; otherwise every reason it is not, joined.</summary>
    public static string? Check(RuntimeSnapshot snapshot)
    {
        if (ReferenceEquals(snapshot, RuntimeSnapshot.Empty))
        {
            return "no configuration is applied yet";
        }

        if (snapshot.Frontends.IsEmpty)
        {
            return "the configuration has no frontend";
        }

        var reasons = new List<string>();
        foreach (var frontend in snapshot.Frontends.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            if (!frontend.IsListening)
            {
                reasons.Add($"frontend {frontend.Name} is not listening{(frontend.ListenError is { } error ? $": {error}" : "")}");
            }

            var servers = frontend.Pool.Servers.Where(s => !s.IsDraining).ToList();
            if (!servers.Any(s => s.Health == ServerHealth.Up))
            {
                reasons.Add(servers.Count == 0
                    ? $"pool {frontend.Pool.Name} of frontend {frontend.Name} has no server"
                    : servers.Any(s => s.IsPending)
                        ? $"pool {frontend.Pool.Name} of frontend {frontend.Name} has no server up yet (first health checks under way)"
                        : $"pool {frontend.Pool.Name} of frontend {frontend.Name} has no healthy server (all {servers.Count} down)");
            }
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons.Distinct(StringComparer.Ordinal));
    }
}
