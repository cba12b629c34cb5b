namespace Convey.Testing;

/// <summary>Pieces of configuration text the configuration tests append to what they get wrong.</summary>
public static class ConfigText
{
    /// <summary>Pool <c>pool</c> with one server, so that a file naming it is complete but for the mistake under test.</summary>
    public const string PoolWithOneServer = """

        [backends.pool.servers.s1]
        addr = "127.0.0.1:8080"
        """;
}
