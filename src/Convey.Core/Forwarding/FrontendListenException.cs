namespace Convey.Forwarding;

/// <summary>
/// Frontends whose engine cannot receive their traffic (the address is taken, not local, or needs a privilege).
/// Each failing frontend is also reported on its <see cref="FrontendState"/> and retried by its engine
/// until it listens or a reload removes or changes it.
/// </summary>
public sealed class FrontendListenException : ForwardingException
{
    /// <summary>Creates the exception for <paramref name="failures"/> (at least one).</summary>
    public FrontendListenException(IReadOnlyList<FrontendListenFailure> failures)
        : base(string.Join(Environment.NewLine, Require(failures)))
    {
        Failures = failures;
    }

    /// <summary>The frontends that cannot listen, and why.</summary>
    public IReadOnlyList<FrontendListenFailure> Failures { get; }

    private static IReadOnlyList<FrontendListenFailure> Require(IReadOnlyList<FrontendListenFailure> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        return failures.Count > 0 ? failures : throw new ArgumentException("At least one failure is needed.", nameof(failures));
    }
}
