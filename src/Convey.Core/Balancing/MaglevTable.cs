using System.Collections.Immutable;
using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Balancing;

/// <summary>
/// A weighted Maglev lookup table (Eisenbud et al., NSDI 2016): a prime number of slots, each owning a server.
/// Every server walks its own permutation of the slots, derived from two hashes of its address, and servers
/// take turns claiming their next free preferred slot until the table is full. Turns go to the server with
/// the fewest claims per unit of weight, so each server owns its weight's share of slots to within one.
/// Servers are ordered by address first, so declaration order and names never change the table, and removing
/// a server mostly hands its own slots to the others while leaving theirs alone.
/// </summary>
internal sealed class MaglevTable
{
    /// <summary>The table size for pools of up to 655 servers (a prime).</summary>
    public const int DefaultSize = 65537;

    /// <summary>Slots per server at least, for larger pools (the size is the next prime above).</summary>
    public const int MinSlotsPerServer = 100;

    // Forward probes past full servers before scanning the pool in order.
    private const int ProbeLimit = 64;

    private readonly int[] _slots;

    private MaglevTable(WeightedServers servers, int[] slots)
    {
        Servers = servers;
        _slots = slots;
    }

    /// <summary>The servers, ordered by address.</summary>
    public WeightedServers Servers { get; }

    /// <summary>How many slots the table has; 0 when no server is available.</summary>
    public int Size => _slots.Length;

    /// <summary>Builds the table over the available servers.</summary>
    public static MaglevTable Build(ImmutableArray<ServerState> available)
    {
        var servers = WeightedServers.From(available.IsDefault ? [] : available.Sort(CompareAddresses));
        return new MaglevTable(servers, servers.Count == 0 ? [] : Populate(servers));
    }

    /// <summary>The number of slots for a pool of <paramref name="serverCount"/> servers.</summary>
    public static int SizeFor(int serverCount) =>
        serverCount <= DefaultSize / MinSlotsPerServer ? DefaultSize : NextPrime(serverCount * MinSlotsPerServer);

    /// <summary>The server that owns a slot.</summary>
    public ServerState ServerAt(int slot) => Servers.Servers[_slots[slot]];

    /// <summary>The slot a key hash falls in (the hash's top 32 bits scaled to the table).</summary>
    public int SlotOf(ulong hash) => (int)(((hash >> 32) * (ulong)_slots.Length) >> 32);

    /// <summary>
    /// The server for a key hash; if it cannot take the flow, the next slots' servers in table order (so a key
    /// keeps finding the same fallback), then the pool in address order. Null when no server can.
    /// </summary>
    public ServerState? Pick(ulong hash)
    {
        var slots = _slots;
        if (slots.Length == 0)
        {
            return null;
        }

        var slot = SlotOf(hash);
        var owner = slots[slot];
        var servers = Servers.Servers;
        if (servers[owner].CanAccept)
        {
            return servers[owner];
        }

        for (var probe = 0; probe < ProbeLimit; probe++)
        {
            slot = slot + 1 == slots.Length ? 0 : slot + 1;
            if (servers[slots[slot]].CanAccept)
            {
                return servers[slots[slot]];
            }
        }

        return Servers.FirstAcceptingFrom(owner + 1);
    }

    private static int[] Populate(WeightedServers servers)
    {
        var size = SizeFor(servers.Count);
        var next = new int[servers.Count];
        var skip = new int[servers.Count];
        for (var i = 0; i < servers.Count; i++)
        {
            var address = servers.Servers[i].Address;
            next[i] = (int)(StableHash.OfServer(address, StableHash.OffsetSeed) % (ulong)size);
            skip[i] = (int)(StableHash.OfServer(address, StableHash.SkipSeed) % (ulong)(size - 1)) + 1;
        }

        // Servers of equal weight always have equal claims per weight, so they take their turns together, in
        // address order: the queue holds one entry per distinct weight, and equal weights cost no queue work.
        var byWeight = servers.Weights.Index().GroupBy(w => w.Item, w => w.Index).OrderByDescending(g => g.Key).ToArray();
        var groups = Array.ConvertAll(byWeight, g => g.ToArray());
        var turns = new PriorityQueue<int, Turn>(groups.Length);
        for (var group = 0; group < groups.Length; group++)
        {
            turns.Enqueue(group, new Turn(0, byWeight[group].Key, group));
        }

        var slots = new int[size];
        Array.Fill(slots, -1);
        var filled = 0;
        while (filled < size)
        {
            turns.TryPeek(out var group, out var turn);
            foreach (var server in groups[group])
            {
                // The size is prime, so each server's stride visits every slot: a free one is always found.
                var slot = next[server];
                while (slots[slot] >= 0)
                {
                    slot = Advance(slot, skip[server], size);
                }

                slots[slot] = server;
                next[server] = Advance(slot, skip[server], size);
                if (++filled == size)
                {
                    break;
                }
            }

            turns.DequeueEnqueue(group, turn with { Claimed = turn.Claimed + 1 });
        }

        return slots;
    }

    private static int Advance(int slot, int skip, int size)
    {
        var next = slot + skip;
        return next >= size ? next - size : next;
    }

    private static int CompareAddresses(ServerState x, ServerState y)
    {
        var order = FlowKey.ToUInt128(x.Address.Address).CompareTo(FlowKey.ToUInt128(y.Address.Address));
        return order != 0 ? order : x.Address.Port.CompareTo(y.Address.Port);
    }

    private static int NextPrime(int atLeast)
    {
        for (var candidate = atLeast | 1; ; candidate += 2)
        {
            if (IsPrime(candidate))
            {
                return candidate;
            }
        }
    }

    private static bool IsPrime(int candidate)
    {
        for (var divisor = 3; (long)divisor * divisor <= candidate; divisor += 2)
        {
            if (candidate % divisor == 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A weight group's place in the turn order: fewest claims per unit of weight first, then heavier first.</summary>
    private readonly record struct Turn(long Claimed, int Weight, int Group) : IComparable<Turn>
    {
        public int CompareTo(Turn other)
        {
            var order = (Claimed * other.Weight).CompareTo(other.Claimed * Weight);
            return order != 0 ? order : Group.CompareTo(other.Group);
        }
    }
}
