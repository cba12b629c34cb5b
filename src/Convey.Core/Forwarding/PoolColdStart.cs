namespace Convey.Forwarding;

/// <summary>
/// Whether a pool is still at its cold start: none of its servers has passed a health probe yet. A server that
/// joins the pool during it takes flows while pending, until its own first probe decides, so a fresh start with
/// healthy servers serves at once rather than refusing clients until the first probes return, and serves the same
/// whichever probe answers first. The first server to come up ends it for good; from then on a server new to the
/// pool waits for its own first probe.
/// </summary>
internal sealed class PoolColdStart
{
    private volatile bool _over;

    /// <summary>Whether a server of the pool has come up.</summary>
    public bool IsOver => _over;

    /// <summary>Ends the cold start: a server of the pool came up.</summary>
    public void End() => _over = true;
}
