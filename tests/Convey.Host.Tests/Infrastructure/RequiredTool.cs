namespace Convey.Host.Tests.Infrastructure;

/// <summary>A system tool a test needs: missing, the test is skipped on a developer's machine and fails under CI=true.</summary>
internal static class RequiredTool
{
    public static void Require(string path, string why)
    {
        if (File.Exists(path))
        {
            return;
        }

        var message = $"{path} is missing: {why}";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(message);
        }

        Skip.If(true, message);
    }
}
