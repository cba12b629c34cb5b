using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Convey.Proxy.Interop;
using Native = Convey.Proxy.Interop.Interop;

namespace Convey.Proxy.Udp;

/// <summary>
/// The native memory one UDP frontend moves datagrams through: <see cref="Capacity"/> message headers for
/// <c>recvmmsg</c>/<c>sendmmsg</c>, each with its peer address, ancillary data (the local address of the datagram,
/// <c>IP_PKTINFO</c>/<c>IPV6_PKTINFO</c>) and a buffer as large as a UDP datagram can be, so nothing is ever cut.
/// Allocated once per frontend and used only on its event loop: forwarding a datagram allocates nothing.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    /// <summary>Datagrams per system call.</summary>
    public const int Capacity = 32;

    /// <summary>The largest UDP payload (65,535 less the UDP header; IPv4 allows 65,507 of it, IPv6 65,527).</summary>
    public const int MaxDatagram = 65_527;

    private const int NameStride = 32;
    private const int ControlStride = 64;
    private const int CmsgHeader = 16;
    private const int Ipv4InfoLength = 12;
    private const int Ipv6InfoLength = 20;
    private readonly MultiMessageHeader* _headers;
    private readonly IOVector* _vectors;
    private readonly byte* _names;
    private readonly byte* _controls;
    private readonly byte* _data;

    public DatagramBatch()
    {
        _headers = (MultiMessageHeader*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(MultiMessageHeader)));
        _vectors = (IOVector*)NativeMemory.AllocZeroed((nuint)(Capacity * sizeof(IOVector)));
        _names = (byte*)NativeMemory.AllocZeroed(Capacity * NameStride);
        _controls = (byte*)NativeMemory.AllocZeroed(Capacity * ControlStride);
        _data = (byte*)NativeMemory.Alloc(Capacity * (nuint)MaxDatagram);
    }

    public MultiMessageHeader* Headers => _headers;

    /// <summary>Sets every header up to receive: a full buffer each, room for the peer's address and for ancillary data when <paramref name="withAddresses"/>.</summary>
    public void PrepareReceive(bool withAddresses)
    {
        for (var i = 0; i < Capacity; i++)
        {
            var header = &_headers[i];
            _vectors[i].Base = _data + ((nuint)i * MaxDatagram);
            _vectors[i].Length = MaxDatagram;
            header->Vectors = &_vectors[i];
            header->VectorCount = 1;
            header->Name = withAddresses ? _names + (i * NameStride) : null;
            header->NameLength = withAddresses ? NameStride : 0u;
            header->Control = withAddresses ? _controls + (i * ControlStride) : null;
            header->ControlLength = withAddresses ? ControlStride : 0u;
            header->Flags = 0;
            header->Length = 0;
        }
    }

    /// <summary>Turns received message <paramref name="index"/> into one to send on a connected socket: its bytes as they came, no address.</summary>
    public void PrepareSendConnected(int index)
    {
        var header = &_headers[index];
        _vectors[index].Length = header->Length;
        header->Name = null;
        header->NameLength = 0;
        header->Control = null;
        header->ControlLength = 0;
    }

    /// <summary>
    /// Turns received message <paramref name="index"/> into one to send to <paramref name="client"/> from
    /// <paramref name="local"/>: the reply leaves from the address the client sent to, even on a wildcard frontend.
    /// </summary>
    public void PrepareSendTo(int index, UdpPeer client, UdpPeer local)
    {
        var header = &_headers[index];
        _vectors[index].Length = header->Length;
        var name = _names + (index * NameStride);
        client.CopyTo(new Span<byte>(name, NameStride));
        header->Name = name;
        header->NameLength = (uint)client.NameLength;
        var control = _controls + (index * ControlStride);
        header->Control = control;
        header->ControlLength = (nuint)WritePacketInfo(new Span<byte>(control, ControlStride), local);
        header->Flags = 0;
    }

    /// <summary>The length received into message <paramref name="index"/>.</summary>
    public int Length(int index) => (int)_headers[index].Length;

    /// <summary>The peer address of received message <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Name(int index) => new(_names + (index * NameStride), (int)_headers[index].NameLength);

    /// <summary>
    /// The local address received message <paramref name="index"/> was sent to, from its <c>IP_PKTINFO</c> or
    /// <c>IPV6_PKTINFO</c>; <paramref name="fallback"/> when it carries none.
    /// </summary>
    public UdpPeer LocalAddress(int index, UdpPeer fallback)
    {
        var header = &_headers[index];
        var control = new ReadOnlySpan<byte>(header->Control, (int)header->ControlLength);
        while (control.Length >= CmsgHeader)
        {
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(control);
            var level = BinaryPrimitives.ReadInt32LittleEndian(control[8..]);
            var type = BinaryPrimitives.ReadInt32LittleEndian(control[12..]);
            if (length < CmsgHeader || length > control.Length)
            {
                break;
            }

            var data = control[CmsgHeader..length];
            if (level == Native.IpProtoIp && type == Native.IpPacketInfo && data.Length >= Ipv4InfoLength)
            {
                // struct in_pktinfo { int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr; }: ipi_addr is the header's destination.
                return UdpPeer.FromIPv4(data.Slice(8, 4), 0, 0);
            }

            if (level == Native.IpProtoIpv6 && type == Native.Ipv6PacketInfo && data.Length >= Ipv6InfoLength)
            {
                // struct in6_pktinfo { in6_addr ipi6_addr; int ipi6_ifindex; }
                // The interface matters only for a link-local address; elsewhere routing picks it, as for any reply.
                var linkLocal = data[0] == 0xfe && (data[1] & 0xc0) == 0x80;
                return UdpPeer.FromIPv6(data[..16], 0, linkLocal ? BinaryPrimitives.ReadInt32LittleEndian(data[16..]) : 0);
            }

            control = control[Math.Min(control.Length, (length + 7) & ~7)..];
        }

        return fallback;
    }

    public void Dispose()
    {
        NativeMemory.Free(_headers);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_names);
        NativeMemory.Free(_controls);
        NativeMemory.Free(_data);
    }

    /// <summary>Writes the ancillary data that makes a datagram leave from <paramref name="local"/>; returns its length.</summary>
    private static int WritePacketInfo(Span<byte> control, UdpPeer local)
    {
        control[..ControlStride].Clear();
        if (local.Family == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(control, CmsgHeader + Ipv4InfoLength);
            BinaryPrimitives.WriteInt32LittleEndian(control[8..], Native.IpProtoIp);
            BinaryPrimitives.WriteInt32LittleEndian(control[12..], Native.IpPacketInfo);

            // ipi_spec_dst is the source to use; ipi_ifindex 0 lets the routing table choose the interface.
            local.WriteAddress(control.Slice(CmsgHeader + 4, 4));
            return CmsgHeader + 16;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(control, CmsgHeader + Ipv6InfoLength);
        BinaryPrimitives.WriteInt32LittleEndian(control[8..], Native.IpProtoIpv6);
        BinaryPrimitives.WriteInt32LittleEndian(control[12..], Native.Ipv6PacketInfo);
        local.WriteAddress(control.Slice(CmsgHeader, 16));
        BinaryPrimitives.WriteInt32LittleEndian(control[(CmsgHeader + 16)..], local.InterfaceIndex);
        return CmsgHeader + 24;
    }
}
