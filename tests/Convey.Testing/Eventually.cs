using System.Collections;
using System.Diagnostics;
using System.Globalization;

namespace Convey.Testing;

/// <summary>
/// Waits for something the code under test does asynchronously: reads a value again and again until it satisfies a
/// condition, and fails the test at the deadline with what it waited for and the last value it saw. The one place
/// in the tests that polls; a test never sleeps for a fixed time to let something happen.
/// </summary>
public static class Eventually
{
    /// <summary>How long a test waits for something that should happen at once on an idle machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StepPace = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits until <paramref name="condition"/> holds; fails after <paramref name="patience"/> (default <see cref="Patience"/>).</summary>
    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? patience = null) =>
        ReturnsAsync(() => Task.FromResult(condition()), holds => holds, what, patience);

    /// <summary>Waits until the value <paramref name="read"/> returns satisfies <paramref name="condition"/>, and returns it.</summary>
    public static Task<T> ReturnsAsync<T>(Func<T> read, Func<T, bool> condition, string what, TimeSpan? patience = null) =>
        ReturnsAsync(() => Task.FromResult(read()), condition, what, patience);

    /// <summary>Waits until the value <paramref name="read"/> returns satisfies <paramref name="condition"/>, and returns it.</summary>
    public static Task<T> ReturnsAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? patience = null) =>
        PumpAsync(read, condition, what, patience, betweenTries: null);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, calling <paramref name="betweenTries"/> before each new try and
    /// letting 20 ms of real time pass before each: for code driven by a fake clock (the step moves it) that also waits on
    /// something real (a thread, a file event).
    /// </summary>
    public static async Task TrueAsync(Func<bool> condition, string what, Action betweenTries, TimeSpan? patience = null) =>
        await PumpAsync(() => Task.FromResult(condition()), holds => holds, what, patience, betweenTries);

    /// <summary>
    /// Waits until the value <paramref name="read"/> returns stays the same for <paramref name="quiet"/>, and returns it:
    /// a bounded "nothing more happens within <paramref name="quiet"/>" check, for a negative assertion (a flow that
    /// must stop). Fails if the value still changes after <paramref name="patience"/>.
    /// </summary>
    public static async Task<T> SettlesAsync<T>(Func<T> read, TimeSpan quiet, string what, TimeSpan? patience = null)
    {
        var limit = patience ?? Patience;
        var clock = Stopwatch.StartNew();
        var value = read();
        var since = clock.Elapsed;
        while (clock.Elapsed - since < quiet)
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Still changing after {Describe(limit)}: {what}. Last value seen: {Describe(value)}");
            }

            await Task.Delay(StepPace);
            var next = read();
            if (!EqualityComparer<T>.Default.Equals(next, value))
            {
                value = next;
                since = clock.Elapsed;
            }
        }

        return value;
    }

    /// <summary>
    /// Blocks until <paramref name="condition"/> holds; fails after <paramref name="patience"/>. For tests that run on
    /// the thread they check (no await possible); prefer <see cref="TrueAsync(Func{bool}, string, TimeSpan?)"/>.
    /// </summary>
    public static void True(Func<bool> condition, string what, TimeSpan? patience = null)
    {
        var limit = patience ?? Patience;
        if (!SpinWait.SpinUntil(condition, limit))
        {
            throw new TimeoutException($"Not within {Describe(limit)}: {what}.");
        }
    }

    private static async Task<T> PumpAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? patience, Action? betweenTries)
    {
        var limit = patience ?? Patience;
        var clock = Stopwatch.StartNew();
        var pause = betweenTries is null ? FirstPause : StepPace;
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Not within {Describe(limit)}: {what}. Last value seen: {Describe(value)}");
            }

            await Task.Delay(pause);
            if (betweenTries is null)
            {
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
            else
            {
                betweenTries();
            }
        }
    }

    private static string Describe(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Describe)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? value.GetType().Name,
    };
}
