namespace Convey.Balancing;

/// <summary>Names of the built-in balancing policies, as written in <c>balance = "…"</c>.</summary>
internal static class BalancingPolicyNames
{
    /// <summary>Smooth weighted round-robin (NGINX's algorithm); the default for proxy frontends.</summary>
    public const string RoundRobin = "round_robin";

    /// <summary>Weighted random choice.</summary>
    public const string WeightedRandom = "random";

    /// <summary>Weighted least connections.</summary>
    public const string LeastConnections = "least_connections";

    /// <summary>Power of two random choices (the less loaded of two weighted random picks).</summary>
    public const string PowerOfTwoChoices = "power_of_two";

    /// <summary>Weighted Maglev consistent hashing on the flow's addresses and ports; the default for packet modes.</summary>
    public const string Maglev = "maglev";

    /// <summary>Weighted Maglev consistent hashing on the client address only (client affinity).</summary>
    public const string MaglevSource = "maglev_source";
}
