using Microsoft.Extensions.Time.Testing;

namespace Convey.Core.Tests.Runtime.Resolution;

/// <summary>
/// The service's loop runs on real threads while its timers run on a fake clock: this moves the clock one step
/// between tries, giving the loop real time after each, until a condition holds (see <see cref="Eventually"/>).
/// </summary>
internal static class ClockPump
{
    public static Task UntilAsync(FakeTimeProvider time, Func<bool> condition, string what, TimeSpan? step = null) =>
        Eventually.TrueAsync(condition, what, () => time.Advance(step ?? TimeSpan.FromSeconds(1)));
}
