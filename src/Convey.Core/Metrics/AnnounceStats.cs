using System.Text.Json.Serialization;

namespace Convey.Metrics;

/// <summary>
/// How this instance announces its service address to the network (the <c>[announce]</c> section: a BIRD protocol
/// enabled while the instance is fit to serve), as <c>/stats</c> shows it under <c>announce</c> and the status page
/// lists it. Null in <see cref="StatsSnapshot.Announce"/> when nothing is announced.
/// </summary>
public sealed class AnnounceStats
{
    [JsonConstructor]
    internal AnnounceStats()
    {
    }

    /// <summary>The BIRD protocol that carries the route (<c>protocol</c>).</summary>
    [JsonInclude]
    public string Protocol { get; internal init; } = "";

    /// <summary>BIRD's control socket (<c>bird_socket</c>).</summary>
    [JsonInclude]
    public string BirdSocket { get; internal init; } = "";

    /// <summary>
    /// <c>announced</c> (the protocol is enabled in BIRD), <c>withdrawn</c> (disabled), or <c>unknown</c> (BIRD has
    /// not answered yet, or is unreachable: see <see cref="LastError"/>).
    /// </summary>
    [JsonInclude]
    public string State { get; internal init; } = "";

    /// <summary>Since when <see cref="State"/> holds.</summary>
    [JsonInclude]
    public DateTimeOffset Since { get; internal init; }

    /// <summary>Whether the instance is fit to serve: every frontend listens and every frontend's pool has a healthy server.</summary>
    [JsonInclude]
    public bool Fit { get; internal init; }

    /// <summary>Why the route is withdrawn (not fit, stopping, crash guard not running); null while announced.</summary>
    [JsonInclude]
    public string? Reason { get; internal init; }

    /// <summary>BIRD's last reply to a command that changed the protocol's state, as BIRD wrote it (for example <c>0011-vip: enabled</c>).</summary>
    [JsonInclude]
    public string? LastReply { get; internal init; }

    /// <summary>When <see cref="LastReply"/> was received.</summary>
    [JsonInclude]
    public DateTimeOffset? LastReplyTime { get; internal init; }

    /// <summary>The last failure to talk to BIRD (cannot connect, an error reply); null once BIRD answers again.</summary>
    [JsonInclude]
    public string? LastError { get; internal init; }

    /// <summary>
    /// The process that disables the protocol if this one dies without a word (<c>armed, pid N</c>), or why there is
    /// none; while it is not armed the route is not announced.
    /// </summary>
    [JsonInclude]
    public string CrashGuard { get; internal init; } = "";
}
