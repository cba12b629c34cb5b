using Convey.Bird.Announcement;
using Convey.Configuration;

namespace Convey.Host.Hosting;

/// <summary>How long the host waits on SIGTERM/SIGINT: the longest frontend drain plus a margin to close down.</summary>
internal static class ShutdownDeadline
{
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    public static TimeSpan For(ConveyConfig config)
    {
        var longestDrain = config.Frontends.IsDefaultOrEmpty
            ? FrontendConfig.DefaultDrainTimeout
            : config.Frontends.Max(f => f.DrainTimeout);
        var withdraw = AnnounceSettings.Of(config)?.WithdrawDelay ?? TimeSpan.Zero;
        return withdraw + longestDrain + Margin;
    }
}
