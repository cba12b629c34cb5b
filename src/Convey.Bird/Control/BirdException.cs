namespace Convey.Bird.Control;

/// <summary>A command to BIRD failed: the control socket cannot be reached, closed, did not answer in time or wrote something that is not a reply, or BIRD refused the command (<see cref="Reply"/>).</summary>
internal sealed class BirdException : Exception
{
    public BirdException(string message)
        : base(message)
    {
    }

    public BirdException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>BIRD answered, refusing the command (an error reply).</summary>
    public BirdException(string message, BirdReply reply)
        : base(message)
    {
        Reply = reply;
    }

    /// <summary>BIRD's reply when it refused the command; null when it could not be reached.</summary>
    public BirdReply? Reply { get; }
}
