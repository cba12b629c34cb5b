namespace Convey.Testing;

/// <summary>
/// Something a test needs from the machine (a tool, root, the built host): when it is missing, the test is skipped on a
/// developer's machine and fails under <c>CI=true</c>, where <c>.ci/run</c> installs everything and a skip would hide
/// a test that did not run.
/// </summary>
public static class Prerequisite
{
    /// <summary>Whether this run is CI's (<c>CI=true</c>).</summary>
    public static bool UnderCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Requires the file <paramref name="path"/> (a tool), which the test needs for <paramref name="why"/>.</summary>
    public static void RequireFile(string path, string why)
    {
        if (!File.Exists(path))
        {
            Require($"{path} is missing: {why}");
        }
    }

    /// <summary>Requires that nothing is missing: <paramref name="whyUnavailable"/> is null, or says what is.</summary>
    public static void Require(string? whyUnavailable) => Require(whyUnavailable, UnderCi);

    /// <summary>As <see cref="Require(string?)"/>, with whether this run is CI's given.</summary>
    internal static void Require(string? whyUnavailable, bool underCi)
    {
        if (whyUnavailable is null)
        {
            return;
        }

        if (underCi)
        {
            throw new InvalidOperationException($"{whyUnavailable} (CI=true: a test whose prerequisite is missing fails; .ci/run installs what the tests need)");
        }

        Skip.If(true, whyUnavailable);
    }
}
