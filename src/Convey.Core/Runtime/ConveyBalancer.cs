using Convey.Configuration;
using Convey.Metrics;

namespace Convey.Runtime;

/// <summary>
/// The running balancer as the application sees it: the configuration in force, its counters, how the last reload
/// ended, and a reload on demand. Registered by <c>AddConveyCore()</c> and <c>AddConvey()</c>; take it from the
/// service provider.
/// </summary>
public sealed class ConveyBalancer
{
    private readonly ConveyRuntime _runtime;
    private readonly ConveyService _service;
    private readonly IAnnounceStatsSource? _announce;

    internal ConveyBalancer(ConveyRuntime runtime, ConveyService service, IAnnounceStatsSource? announce = null)
    {
        _runtime = runtime;
        _service = service;
        _announce = announce;
    }

    /// <summary>The configuration in force, as its source gave it.</summary>
    public ConveyConfig Config => _runtime.Current.Config;

    /// <summary>How the last load or reload of the configuration ended; null before the first.</summary>
    public ReloadStatus? LastReload => _service.LastReload;

    /// <summary>Copies every counter now: the shape of the host's <c>/stats</c>.</summary>
    public StatsSnapshot GetStats() => StatsSnapshot.Capture(_runtime, _service.LastReload, _announce?.Capture());

    /// <summary>
    /// Reads the configuration source again and applies what it yields, as a change the source reports would
    /// (validate everything, then apply it whole, or refuse it and keep the configuration in force); the host's SIGHUP.
    /// </summary>
    public void RequestReload() => _service.RequestReload();
}
