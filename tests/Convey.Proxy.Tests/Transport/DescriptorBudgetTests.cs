using Convey.Proxy.Transport;

namespace Convey.Proxy.Tests.Transport;

public class DescriptorBudgetTests
{
    [Fact]
    public void Connections_take_two_descriptors_each_after_those_open_the_reserve_and_one_per_listener()
    {
        var budget = new DescriptorBudget(SoftLimit: 1000, Open: 100);

        Assert.Equal((1000 - 100 - DescriptorBudget.Headroom - 10) / 2, budget.Connections(listeners: 10));
        Assert.Equal(0, new DescriptorBudget(SoftLimit: 256, Open: 143).Connections(listeners: 1));
    }

    [Fact]
    public void A_limit_too_small_is_described_with_its_value_and_how_to_raise_it()
    {
        var text = new DescriptorBudget(SoftLimit: 256, Open: 143).DescribeTooSmall(listeners: 1);

        Assert.StartsWith("the descriptor limit is too small: RLIMIT_NOFILE (soft) is 256;", text, StringComparison.Ordinal);
        Assert.Contains("room for 0 proxied connection(s)", text, StringComparison.Ordinal);
        Assert.Contains($"fewer than the {DescriptorBudget.MinimumConnections} Convey needs", text, StringComparison.Ordinal);
        Assert.Contains("LimitNOFILE=", text, StringComparison.Ordinal);
        Assert.Contains("ulimit -n", text, StringComparison.Ordinal);
    }
}
