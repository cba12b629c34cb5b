using Convey.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Configuration;

/// <summary>
/// File events come from the operating system in real time, while the source's debounce runs on a fake clock:
/// these waits let real time pass in small steps and move the fake clock one debounce time at each step.
/// </summary>
internal static class FileEventPump
{
    /// <summary>The longest a test waits for the operating system to deliver file events.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    /// <summary>Pumps until <paramref name="condition"/> holds or <see cref="Patience"/> is out; returns whether it holds.</summary>
    public static async Task<bool> UntilAsync(FakeTimeProvider time, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await StepAsync(time);
        }

        return condition();
    }

    /// <summary>Pumps for the whole of <paramref name="duration"/>, to let late events arrive.</summary>
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
