namespace Convey.Metrics;

/// <summary>Gives <see cref="StatsSnapshot.Announce"/>: registered by the part that announces the service (Convey.Bird).</summary>
internal interface IAnnounceStatsSource
{
    /// <summary>The announcement now; null when the configuration in force announces nothing.</summary>
    AnnounceStats? Capture();
}
