namespace Convey.Metrics;

/// <summary>Names of the tags on Convey's instruments.</summary>
internal static class ConveyMetricTags
{
    /// <summary>The frontend's name.</summary>
    public const string Frontend = "convey.frontend";

    /// <summary>The backend pool's name.</summary>
    public const string Pool = "convey.pool";

    /// <summary>The server's IP address (OpenTelemetry <c>server.address</c>).</summary>
    public const string ServerAddress = "server.address";

    /// <summary>The server's port (OpenTelemetry <c>server.port</c>).</summary>
    public const string ServerPort = "server.port";

    /// <summary><c>receive</c> or <c>transmit</c>, seen from the balancer (OpenTelemetry <c>network.io.direction</c>).</summary>
    public const string NetworkIoDirection = "network.io.direction";

    /// <summary>A server's new health: <c>up</c> or <c>down</c>.</summary>
    public const string HealthState = "convey.health.state";

    /// <summary>What changed a server's health: <c>probe</c> (active check) or <c>passive</c> (failures reported by an engine).</summary>
    public const string HealthSource = "convey.health.source";

    /// <summary>Outcome of a configuration reload: <c>applied</c>, <c>partial</c> (an engine failed to apply it) or <c>refused</c>.</summary>
    public const string ReloadResult = "convey.reload.result";

    /// <summary>Why a UDP frontend dropped a datagram: <c>session_limit</c>, <c>no_server</c>, <c>server_unreachable</c> or <c>send_failed</c>.</summary>
    public const string DropReason = "convey.drop.reason";
}
