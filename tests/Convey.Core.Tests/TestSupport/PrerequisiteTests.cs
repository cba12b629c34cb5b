namespace Convey.Core.Tests.TestSupport;

public sealed class PrerequisiteTests
{
    [Fact]
    public void Nothing_missing_lets_the_test_run_under_ci_and_elsewhere()
    {
        Prerequisite.Require(null, underCi: true);
        Prerequisite.Require(null, underCi: false);
    }

    [Fact]
    public void Something_missing_fails_the_test_under_ci_naming_what()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Prerequisite.Require("'nft' is missing", underCi: true));

        Assert.StartsWith("'nft' is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Something_missing_skips_the_test_on_a_developers_machine()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Prerequisite.Require("'nft' is missing", underCi: false));

        Assert.Equal("Xunit.SkipException", ex.GetType().FullName);
        Assert.Equal("'nft' is missing", ex.Message);
    }
}
