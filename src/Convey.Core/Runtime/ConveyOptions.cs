
namespace Convey.Runtime;

/// <summary>Host-level settings of the balancer (not part of the configuration file).</summary>
public sealed class ConveyOptions
{
    /// <summary>Mode of every frontend that does not set its own (the host's <c>--passthrough</c>/<c>--dsr</c> flags).</summary>
    public string DefaultMode { get; set; } = "proxy";
}
