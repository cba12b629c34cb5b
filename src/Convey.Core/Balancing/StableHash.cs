using System.Net;
using Convey.Forwarding;

namespace Convey.Balancing;

/// <summary>
/// A fixed, unseeded 64-bit hash (each input multiplied by an odd constant, folded into
/// the state and mixed with the SplitMix64 finaliser), so consistent-hashing
/// tables and key placement come out the same in every process, on every machine, after every restart:
/// two balancers with the same servers send the same flow to the same server without sharing any state.
/// </summary>
internal static class StableHash
{
    // Arbitrary odd constants that keep the hash families apart.
    private const ulong FlowSeed = 0x9E37_79B9_7F4A_7C15;
    private const ulong SourceSeed = 0xD1B5_4A32_D192_ED03;

    /// <summary>Seed of the hash that places a server's first preferred slot.</summary>
    public const ulong OffsetSeed = 0x8CB9_2BA7_2F3D_8DD7;

    /// <summary>Seed of the hash that sets the stride of a server's preferences.</summary>
    public const ulong SkipSeed = 0xABC9_8388_FB8F_AC03;

    /// <summary>Hash of the flow's addresses and ports.</summary>
    public static ulong OfFlow(in FlowKey flow)
    {
        var hash = Step(FlowSeed, (ulong)(flow.SourceAddress >> 64));
        hash = Step(hash, (ulong)flow.SourceAddress);
        hash = Step(hash, (ulong)(flow.DestinationAddress >> 64));
        hash = Step(hash, (ulong)flow.DestinationAddress);
        return Step(hash, ((ulong)flow.SourcePort << 16) | flow.DestinationPort);
    }

    /// <summary>Hash of the client address only.</summary>
    public static ulong OfSource(in FlowKey flow) =>
        Step(Step(SourceSeed, (ulong)(flow.SourceAddress >> 64)), (ulong)flow.SourceAddress);

    /// <summary>Hash of a server's identity, its address and port (IPv4 taken in IPv4-mapped IPv6 form).</summary>
    public static ulong OfServer(IPEndPoint address, ulong seed)
    {
        var value = FlowKey.ToUInt128(address.Address);
        return Step(Step(Step(seed, (ulong)(value >> 64)), (ulong)value), (ulong)address.Port);
    }

    // The odd multiplier spreads the input's low bits upwards before the full mix of the combined state.
    private static ulong Step(ulong hash, ulong value) => Mix(hash ^ (value * 0x9E37_79B9_7F4A_7C15));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
        return z ^ (z >> 31);
    }
}
