using Convey.Configuration.Toml;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Serialization;

namespace Convey.Configuration;

/// <summary>
/// Reads Convey's TOML configuration format, a superset of the original Convey's files. The whole file is checked
/// before anything is returned, and every problem is reported at once through one <see cref="ConfigException"/>,
/// each with file, line, column and key path. No other exception escapes for bad input, unreadable files included.
/// An empty file (no tables or keys, only whitespace or comments) is refused too.
/// </summary>
public static class TomlConfigReader
{
    /// <summary>Reads and validates a configuration file.</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="ConfigException">The file is missing, unreadable, larger than 16 MiB, not UTF-8 or invalid.</exception>
    public static ConveyConfig ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(ConfigFileText.ToText(ConfigFileText.ReadBytes(path), path), path);
    }

    /// <summary>Parses and validates TOML text.</summary>
    /// <param name="text">The TOML document.</param>
    /// <param name="source">Names the text in errors (usually its file path).</param>
    /// <exception cref="ConfigException">The text is invalid.</exception>
    public static ConveyConfig Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return ParseCore(text, source);
        }
        catch (ConfigException)
        {
            throw;
        }
        catch (TomlException ex)
        {
            throw new ConfigException(new ConfigError(source, ex.Line ?? 0, ex.Column ?? 0, "", "TOML: " + ex.Message));
        }
#pragma warning disable CA1031 // The reader's contract: bad input never surfaces as anything but ConfigException.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new ConfigException(new ConfigError(source, 0, 0, "", $"the configuration could not be read ({ex.GetType().Name}: {ex.Message})."));
        }
    }

    private static ConveyConfig ParseCore(string text, string source)
    {
        var syntaxErrors = TomlSyntaxErrors.Find(text, source);
        if (syntaxErrors.Count > 0)
        {
            throw new ConfigException(syntaxErrors);
        }

        var metadata = new TomlMetadataStore();
        var root = TomlModelContext.ReadModel(text, source, metadata);
        if (root.Count == 0)
        {
            // Never a configuration anyone means: an in-place rewrite (truncate, then write) shows it to a reader
            // for a moment, and applying it would remove every frontend.
            throw new ConfigException(new ConfigError(source, 0, 0, "", "the file is empty (nothing but whitespace or comments), so it is refused: "
                + "an empty file is what a reader sees in the middle of an in-place rewrite. Write the configuration with at least one [frontends.NAME] table."));
        }

        return Read(root, new ConfigReadContext(source, metadata));
    }

    /// <summary>
    /// Maps a document (TOML, or a converted configuration section) onto the schema and checks the snapshot-wide
    /// rules, reporting every problem at once.
    /// </summary>
    /// <exception cref="ConfigException">The document is invalid.</exception>
    internal static ConveyConfig Read(TomlTable root, ConfigReadContext context)
    {
        var config = ConveyConfigMapper.Map(root, context);
        context.AddValidatorErrors(ConfigValidator.ValidateStructure(config));
        if (context.Errors.Count > 0)
        {
            throw new ConfigException(context.ErrorsInFileOrder());
        }

        return config;
    }
}
