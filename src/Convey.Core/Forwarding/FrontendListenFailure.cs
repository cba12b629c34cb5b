using System.Net;

namespace Convey.Forwarding;

/// <summary>One frontend whose engine cannot receive its traffic, and why.</summary>
public sealed class FrontendListenFailure
{
    /// <summary>The frontend's name.</summary>
    public required string Frontend { get; init; }

    /// <summary>The address it should listen on.</summary>
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>Why it cannot, for operators: for example "address already in use (...)".</summary>
    public required string Reason { get; init; }

    /// <summary>One line: <c>frontend 'NAME' cannot listen on ADDRESS: REASON</c>.</summary>
    public override string ToString() => $"frontend '{Frontend}' cannot listen on {EndPoint}: {Reason}";
}
