namespace Convey.Configuration;

/// <summary>
/// The one exception a configuration source throws: the configuration was refused, and
/// <see cref="Errors"/> holds every problem found, each with its place.
/// </summary>
public sealed class ConfigException : Exception
{
    // A file of thousands of mistakes must not make a log line of megabytes; Errors keeps them all.
    private const int MaxErrorsInMessage = 50;

    /// <summary>Creates the exception from the problems found.</summary>
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(FormatMessage(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates the exception with a single problem.</summary>
    public ConfigException(ConfigError error)
        : this([error])
    {
    }

    /// <summary>Creates an exception with no located errors (required by the exception pattern).</summary>
    public ConfigException()
        : this([])
    {
    }

    /// <summary>Creates an exception with a message and no located errors.</summary>
    public ConfigException(string message)
        : base(message)
    {
        Errors = [];
    }

    /// <summary>Creates an exception with a message and an inner exception.</summary>
    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    private static string FormatMessage(IReadOnlyList<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return errors.Count switch
        {
            0 => "The configuration was refused.",
            1 => "The configuration was refused: " + errors[0],
            <= MaxErrorsInMessage => $"The configuration was refused with {errors.Count} errors:{Environment.NewLine}" + string.Join(Environment.NewLine, errors),
            _ => $"The configuration was refused with {errors.Count} errors:{Environment.NewLine}"
                + string.Join(Environment.NewLine, errors.Take(MaxErrorsInMessage))
                + $"{Environment.NewLine}... and {errors.Count - MaxErrorsInMessage} more (all are in {nameof(Errors)}).",
        };
    }
}
