using System.Diagnostics;

namespace Convey.Host.Tests.Infrastructure;

/// <summary>Headless Chromium (Debian package <c>chromium</c>) loading a page and printing its DOM, as a person's browser would see it.</summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public const string MissingReason = "apt-get install -y chromium; the status page cannot be checked in a browser without it";

    /// <summary>Loads <paramref name="url"/> and returns the DOM after the page's load.</summary>
    public static async Task<string> DumpDomAsync(string url)
    {
        var profile = Directory.CreateTempSubdirectory("convey-chromium-");
        try
        {
            var info = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         $"--user-data-dir={profile.FullName}", "--dump-dom", url,
                     })
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not load {url} within 60 s: {await error}");
            }

            var dom = await output;
            Assert.True(dom.Length > 0, $"chromium printed no DOM for {url}: {await error}");
            return dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
