using Convey.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// File events come from the operating system in real time, while the source's debounce runs on a fake clock:
/// these waits let real time pass in small steps and move the fake clock one debounce time at each step.
/// </summary>
internal static class FileEventPump
{
    /// <summary>Pumps until <paramref name="condition"/> holds; fails naming <paramref name="what"/> (see <see cref="Eventually"/>).</summary>
    public static Task UntilAsync(FakeTimeProvider time, Func<bool> condition, string what) =>
        Eventually.TrueAsync(condition, what, () => time.Advance(TomlFileConfigSource.DefaultDebounce));

    /// <summary>Pumps for the whole of <paramref name="duration"/>, to let late events arrive: a bounded "nothing more happens" check.</summary>
    public static async Task ForAsync(FakeTimeProvider time, TimeSpan duration)
    {
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until)
        {
            await StepAsync(time);
        }
    }

    private static async Task StepAsync(FakeTimeProvider time)
    {
        await Task.Delay(20);
        time.Advance(TomlFileConfigSource.DefaultDebounce);
    }
}
