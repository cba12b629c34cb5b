namespace Convey.Core.Tests.TestSupport;

/// <summary>The shared waiting helper: it returns as soon as the condition holds and fails, never returns, at its deadline.</summary>
public class EventuallyTests
{
    [Fact]
    public async Task Returns_the_first_value_that_satisfies_the_condition()
    {
        var reads = 0;

        var value = await Eventually.ReturnsAsync(() => ++reads, n => n >= 3, "three reads");

        Assert.Equal(3, value);
    }

    [Fact]
    public async Task Fails_at_its_deadline_naming_what_it_waited_for_and_the_last_value_seen()
    {
        var reads = 0;

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.ReturnsAsync(() => new[] { "a", $"read {++reads}" }, _ => false, "a value that never comes", TimeSpan.FromMilliseconds(50)));

        Assert.Equal($"Not within 0.05 s: a value that never comes. Last value seen: [\"a\", \"read {reads}\"]", failure.Message);
    }

    [Fact]
    public async Task A_condition_that_never_holds_fails_instead_of_returning()
    {
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.TrueAsync(() => false, "never", TimeSpan.FromMilliseconds(30)));

        Assert.StartsWith("Not within 0.03 s: never.", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Steps_between_tries_until_the_condition_holds()
    {
        var steps = 0;

        await Eventually.TrueAsync(() => steps == 4, "four steps", () => steps++);

        Assert.Equal(4, steps);
    }

    [Fact]
    public void Blocking_wait_fails_at_its_deadline()
    {
        var failure = Assert.Throws<TimeoutException>(() => Eventually.True(() => false, "never", TimeSpan.FromMilliseconds(30)));

        Assert.Equal("Not within 0.03 s: never.", failure.Message);
    }

    [Fact]
    public async Task Settles_returns_the_value_once_it_stops_changing()
    {
        var reads = 0;

        var value = await Eventually.SettlesAsync(() => Math.Min(++reads, 5), TimeSpan.FromMilliseconds(100), "a counter that stops at 5");

        Assert.Equal(5, value);
    }

    [Fact]
    public async Task Settles_fails_when_the_value_keeps_changing()
    {
        var reads = 0;

        var failure = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.SettlesAsync(() => ++reads, TimeSpan.FromSeconds(1), "a counter that never stops", TimeSpan.FromMilliseconds(100)));

        Assert.StartsWith("Still changing after 0.1 s: a counter that never stops. Last value seen: ", failure.Message, StringComparison.Ordinal);
    }
}
