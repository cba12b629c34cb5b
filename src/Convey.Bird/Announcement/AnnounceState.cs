namespace Convey.Bird.Announcement;

/// <summary>The words of <c>announce.state</c> in <c>/stats</c>.</summary>
internal static class AnnounceState
{
    /// <summary>The protocol is enabled in BIRD: the route is exported.</summary>
    public const string Announced = "announced";

    /// <summary>The protocol is disabled in BIRD: the route is withdrawn.</summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>BIRD has not answered yet, or cannot be reached.</summary>
    public const string Unknown = "unknown";
}
