using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Runtime.Resolution;

/// <summary>
/// The service's loop runs on real threads while its timers run on a fake clock: this moves the clock in steps,
/// giving the loop a moment of real time after each, until a condition holds (bounded in real time).
/// </summary>
internal static class ClockPump
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public static async Task<bool> UntilAsync(FakeTimeProvider time, Func<bool> condition, TimeSpan? step = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            time.Advance(step ?? TimeSpan.FromSeconds(1));
            await Task.Delay(5);
        }

        return condition();
    }
}
