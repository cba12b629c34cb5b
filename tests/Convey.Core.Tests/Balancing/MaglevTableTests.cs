using System.Collections.Immutable;
using System.Net;
using Convey.Balancing;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Balancing;

public class MaglevTableTests
{
    private const int Keys = 100_000;

    [Theory]
    [InlineData(1, 65537)]
    [InlineData(10, 65537)]
    [InlineData(655, 65537)]
    [InlineData(656, 65609)]
    [InlineData(1000, 100003)]
    public void Table_size_is_65537_or_the_first_prime_from_100_slots_per_server(int servers, int expected)
    {
        Assert.Equal(expected, MaglevTable.SizeFor(servers));
        Assert.True(Enumerable.Range(2, (int)Math.Sqrt(expected)).All(d => expected % d != 0), $"{expected} is not prime");
    }

    [Fact]
    public void Tables_are_identical_whatever_the_order_and_names_servers_are_declared_with()
    {
        var declared = TestPool.Weighted(5, 3, 2, 1, 1, 4, 7);
        ImmutableArray<ServerState> reordered =
        [
            .. declared.Reverse().Select(s => new ServerState(s.Config with { Name = "renamed-" + s.Name })),
        ];

        var first = MaglevTable.Build(declared);
        var second = MaglevTable.Build(reordered);

        Assert.Equal(first.Size, second.Size);
        for (var slot = 0; slot < first.Size; slot++)
        {
            Assert.Equal(first.ServerAt(slot).Address, second.ServerAt(slot).Address);
        }
    }

    /// <summary>
    /// The table depends only on the servers, never on the process (no randomised hashing), so balancers
    /// that share nothing agree. The owners of the first slots were recorded once from this code; a change of hash or
    /// population order changes it and would move flows during a rolling upgrade.
    /// </summary>
    [Fact]
    public void A_table_comes_out_the_same_in_every_process()
    {
        var table = MaglevTable.Build(TestPool.Weighted(5, 3, 2, 1));
        var firstOwners = string.Concat(Enumerable.Range(0, 40).Select(slot => table.ServerAt(slot).Name[1..]));

        Assert.Equal("2011023010310002011120111300210000113021", firstOwners);
    }

    [Theory]
    [InlineData(new[] { 1, 1 })]
    [InlineData(new[] { 10, 1, 5 })]
    [InlineData(new[] { 5, 3, 2 })]
    [InlineData(new[] { 1_000_000, 1 })]
    [InlineData(new[] { 2, 2, 3, 3, 3, 1, 7 })]
    public void Each_server_owns_its_weight_share_of_slots_to_within_one(int[] weights)
    {
        var servers = TestPool.Weighted(weights);
        var table = MaglevTable.Build(servers);
        var owned = Enumerable.Range(0, table.Size).GroupBy(table.ServerAt).ToDictionary(g => g.Key, g => g.Count());

        double total = weights.Sum(w => (long)w);
        for (var i = 0; i < servers.Length; i++)
        {
            var expected = (double)table.Size * weights[i] / total;
            Assert.InRange(owned.GetValueOrDefault(servers[i]), expected - 1, expected + 1);
        }
    }

    public static TheoryData<int[]> PoolsToShrink => new([1, 1, 1], [1, 1, 1, 1, 1], [.. Enumerable.Repeat(1, 10)], [.. Enumerable.Repeat(1, 50)], [10, 1, 5], [5, 3, 2]);

    [Theory]
    [MemberData(nameof(PoolsToShrink))]
    public void Removing_one_server_moves_only_about_its_own_keys(int[] weights)
    {
        var servers = TestPool.Weighted(weights);
        var before = new MaglevSelector();
        before.Update(servers);
        double total = weights.Sum();

        for (var removed = 0; removed < servers.Length; removed++)
        {
            var after = new MaglevSelector();
            after.Update(servers.RemoveAt(removed));
            var random = new Random(removed);
            int moved = 0, movedFromSurvivors = 0;
            for (var i = 0; i < Keys; i++)
            {
                var flow = TestPool.Flow(i, random);
                var was = before.Select(flow);
                if (was != after.Select(flow))
                {
                    moved++;
                    movedFromSurvivors += was == servers[removed] ? 0 : 1;
                }
            }

            // With equal weights the removed server's share is 1/N.
            var allowed = weights[removed] / total + 0.02;
            Assert.True(moved <= allowed * Keys, $"removing server {removed} of {servers.Length} moved {moved} of {Keys} keys; allowed {allowed:P2}");
            Assert.True(movedFromSurvivors <= 0.02 * Keys, $"removing server {removed} moved {movedFromSurvivors} keys between surviving servers");
        }
    }

    [Fact]
    public void A_full_server_hands_each_of_its_keys_to_the_same_other_server_every_time()
    {
        var full = TestPool.Server(0, maxConnections: 1);
        var selector = new MaglevSelector();
        selector.Update([full, .. TestPool.Weighted(1, 1, 1, 1)[1..]]);
        var random = new Random(3);
        var flows = Enumerable.Range(0, 1_000).Select(i => TestPool.Flow(i, random)).ToArray();
        Assert.Contains(full, flows.Select(f => selector.Select(f)));
        full.OnConnectionOpened();

        var firstRound = flows.Select(f => selector.Select(f)).ToArray();
        var secondRound = flows.Select(f => selector.Select(f)).ToArray();

        Assert.DoesNotContain(full, firstRound);
        Assert.Equal(firstRound, secondRound);
    }

    [Fact]
    public void Flow_keyed_maglev_spreads_one_client_while_source_keyed_maglev_keeps_it_on_one_server()
    {
        var servers = TestPool.Weighted(1, 1, 1, 1);
        var byFlow = new MaglevSelector(MaglevKey.Flow);
        var bySource = new MaglevSelector(MaglevKey.SourceAddress);
        byFlow.Update(servers);
        bySource.Update(servers);
        var client = FlowKey.ToUInt128(IPAddress.Parse("2001:db8::7"));
        var frontend = FlowKey.ToUInt128(IPAddress.Parse("2001:db8::1"));
        var flows = Enumerable.Range(0, 200).Select(port => new FlowKey(client, (ushort)(40_000 + port), frontend, 443)).ToArray();

        Assert.Single(flows.Select(f => bySource.Select(f)).Distinct());
        Assert.Equal(4, flows.Select(f => byFlow.Select(f)).Distinct().Count());
    }

    [Fact]
    public void An_IPv4_server_is_placed_the_same_whether_written_as_IPv4_or_IPv4_mapped_IPv6()
    {
        ServerState Server(string address) => new(new ServerConfig { Name = address, Address = IPEndPoint.Parse(address) });
        var v4 = MaglevTable.Build([Server("192.0.2.1:80"), Server("192.0.2.2:80")]);
        var mapped = MaglevTable.Build([Server("[::ffff:192.0.2.1]:80"), Server("[::ffff:192.0.2.2]:80")]);

        for (var slot = 0; slot < v4.Size; slot += 97)
        {
            Assert.Equal(v4.ServerAt(slot).Address.Address.MapToIPv6(), mapped.ServerAt(slot).Address.Address);
        }
    }
}
