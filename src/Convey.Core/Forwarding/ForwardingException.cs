namespace Convey.Forwarding;

/// <summary>
/// An engine cannot forward traffic for a reason outside the configuration file: a frontend's address cannot be
/// bound, the process's descriptor limit is too small. The message says what and how to fix it, one line per
/// problem. <see cref="IForwardingEngine.ApplyAsync"/> throws it after applying everything else; at start it
/// stops the host, on a reload it is logged and the rest of the reload stays applied.
/// </summary>
public class ForwardingException : Exception
{
    /// <summary>Creates the exception with a message for operators.</summary>
    public ForwardingException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message for operators and the error underneath.</summary>
    public ForwardingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public ForwardingException()
        : base("An engine cannot forward traffic.")
    {
    }
}
