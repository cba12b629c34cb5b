using System.Collections.Immutable;
using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Engine;

/// <summary>
/// What one receive group is opened for: the pipeline it feeds, the interface (index and MTU), the worker count,
/// the frame I/O path asked for and whether the AF_XDP path may use its fast path, and the frontend ports and NAT addresses its filter admits. Two plans are equal when all of that is (the ports and
/// addresses as sets), so a reload that changes nothing of it keeps the group and its sockets.
/// </summary>
internal sealed record ReceiveGroupPlan(
    PacketPipeline Pipeline,
    int InterfaceIndex,
    int Mtu,
    int Workers,
    PacketPath PacketPath,
    ImmutableArray<(PacketAddress Address, ushort Port)> Ports,
    ImmutableArray<PacketAddress> NatAddresses,
    bool FastPath = true)
{
    public bool Equals(ReceiveGroupPlan? other) =>
        other is not null
        && ReferenceEquals(Pipeline, other.Pipeline)
        && (InterfaceIndex, Mtu, Workers, PacketPath, FastPath) == (other.InterfaceIndex, other.Mtu, other.Workers, other.PacketPath, other.FastPath)
        && Ports.Order().SequenceEqual(other.Ports.Order())
        && NatAddresses.Order().SequenceEqual(other.NatAddresses.Order());

    /// <summary>Whether <paramref name="other"/> differs from this plan at most in the frontend ports and NAT addresses it serves.</summary>
    public bool DiffersOnlyInServed(ReceiveGroupPlan other) =>
        ReferenceEquals(Pipeline, other.Pipeline)
        && (InterfaceIndex, Mtu, Workers, PacketPath, FastPath) == (other.InterfaceIndex, other.Mtu, other.Workers, other.PacketPath, other.FastPath);

    public override int GetHashCode() => HashCode.Combine(InterfaceIndex, Mtu, Workers, Ports.Length, NatAddresses.Length);
}
