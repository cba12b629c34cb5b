namespace Convey.Host.CommandLine;

/// <summary>The host's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>Ran and stopped normally, or the configuration is valid.</summary>
    public const int Success = 0;

    /// <summary>
    /// The configuration was refused or could not be read, or the host could not start: a frontend or the stats
    /// listener cannot listen (address in use, not local, no permission), or the descriptor limit is too small.
    /// </summary>
    public const int ConfigRefused = 1;

    /// <summary>The command line was wrong: unknown flag or bad value.</summary>
    public const int Usage = 2;
}
