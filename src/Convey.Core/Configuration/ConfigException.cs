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

    /// <summary>Every problem found, in file order.</summary>
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>
    /// The source's number for the refused version of the document, for sources that number their versions (etcd's
    /// revision of the key); null for the others. Shown in <c>/stats</c> as <c>last_reload.revision</c>.
    /// </summary>
    public long? Revision { get; init; }

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
