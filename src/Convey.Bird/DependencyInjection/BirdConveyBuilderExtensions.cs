using Convey.Bird.Announcement;
using Convey.DependencyInjection;
using Convey.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The step of <see cref="IConveyBuilder"/> that announces the service address through BIRD.</summary>
public static class BirdConveyBuilderExtensions
{
    /// <summary>
    /// Honours the <c>[announce]</c> section: while the balancer is fit to serve (every frontend listens, every
    /// frontend's pool has a healthy server) the BIRD protocol it names is enabled over BIRD's control socket, and
    /// disabled when not; on stop it is disabled first and the balancer keeps serving for <c>withdraw_delay</c> before
    /// it drains; a guard process disables it if the balancer dies. Without the section nothing is announced.
    /// <c>AddConvey()</c> includes this step.
    /// </summary>
    public static IConveyBuilder AddBirdAnnouncement(this IConveyBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<BirdAnnouncer>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BirdAnnouncer>(sp => sp.GetRequiredService<BirdAnnouncer>()));
        builder.Services.TryAddSingleton<IAnnounceStatsSource>(sp => sp.GetRequiredService<BirdAnnouncer>());
        return builder.AddSettingsOwner<AnnounceSettings.Owner>();
    }
}
