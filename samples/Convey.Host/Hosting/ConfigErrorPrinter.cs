using Convey.Configuration;

namespace Convey.Host.Hosting;

/// <summary>Prints a refused configuration as one <c>file:line:col key: message</c> line per error.</summary>
internal static class ConfigErrorPrinter
{
    public static void Print(ConfigException refused, TextWriter writer)
    {
        if (refused.Errors.Count == 0)
        {
            writer.WriteLine(refused.Message);
            return;
        }

        foreach (var error in refused.Errors)
        {
            writer.WriteLine(error.ToString());
        }

        writer.WriteLine($"configuration refused: {refused.Errors.Count} error(s).");
    }
}
