using Convey.DependencyInjection;
using Convey.Proxy;
using Convey.RawPacket.Engine;
using Convey.Runtime;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The entry point of the <c>Convey</c> package.</summary>
public static class ConveyServiceCollectionExtensions
{
    /// <summary>
    /// Adds Convey: the control plane (configuration, pools, balancing, health, metrics) and the proxy,
    /// passthrough and DSR engines, run by one hosted service, and the announcement of the service address
    /// through BIRD (the <c>[announce]</c> section). Choose a configuration source on the returned builder, for
    /// example <c>.AddTomlFile("convey.toml")</c>.
    /// </summary>
    public static IConveyBuilder AddConvey(this IServiceCollection services, Action<ConveyOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddConveyCore(configure)
            .AddForwardingEngine<ProxyEngine>()
            .AddForwardingEngine<PacketEngine>()
            .AddBirdAnnouncement();
    }
}
