namespace Convey.Proxy.Inspection;

/// <summary>What an <see cref="IConnectionInspector"/> decided: go on (to the next inspector, then the relay), or reject.</summary>
public readonly record struct InspectionResult
{
    private InspectionResult(string? rejectReason) => RejectReason = rejectReason;

    /// <summary>The connection goes on to the next inspector, then to the pool chosen.</summary>
    public static InspectionResult Continue => default;

    /// <summary>Why the connection is closed; null when it goes on.</summary>
    public string? RejectReason { get; }

    /// <summary>Whether the connection is closed without reaching a server.</summary>
    public bool IsRejected => RejectReason is not null;

    /// <summary>Closes the connection without reaching a server; counted in the frontend's <c>rejected_connections</c>.</summary>
    /// <param name="reason">Why, for the log (for example "no PROXY header within connect_timeout").</param>
    public static InspectionResult Reject(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new InspectionResult(reason);
    }
}
