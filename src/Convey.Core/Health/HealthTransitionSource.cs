namespace Convey.Health;

/// <summary>What changed a server's health.</summary>
internal enum HealthTransitionSource
{
    /// <summary>Active health-check probes.</summary>
    Probe,

    /// <summary>Connect failures reported by a forwarding engine.</summary>
    Passive,
}
