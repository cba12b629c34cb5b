using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Convey.Proxy.Transport.Epoll;

/// <summary>Linux <c>sockaddr_in</c> / <c>sockaddr_in6</c> to and from <see cref="IPEndPoint"/>.</summary>
internal static class NativeSocketAddress
{
    /// <summary>Room for either form (<c>sizeof(struct sockaddr_in6)</c>).</summary>
    public const int MaxLength = 28;

    private const ushort FamilyInet = 2;
    private const ushort FamilyInet6 = 10;

    /// <summary>Writes <paramref name="endPoint"/>; returns the length used.</summary>
    public static int Write(IPEndPoint endPoint, Span<byte> destination)
    {
        destination[..MaxLength].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BitConverter.TryWriteBytes(destination, FamilyInet);
            endPoint.Address.TryWriteBytes(destination[4..], out _);
            return 16;
        }

        BitConverter.TryWriteBytes(destination, FamilyInet6);
        endPoint.Address.TryWriteBytes(destination[8..], out _);
        BitConverter.TryWriteBytes(destination[24..], (uint)endPoint.Address.ScopeId);
        return MaxLength;
    }

    public static IPEndPoint Read(ReadOnlySpan<byte> source)
    {
        var port = BinaryPrimitives.ReadUInt16BigEndian(source[2..]);
        return BitConverter.ToUInt16(source) == FamilyInet
            ? new IPEndPoint(new IPAddress(source.Slice(4, 4)), port)
            : new IPEndPoint(new IPAddress(source.Slice(8, 16), BitConverter.ToUInt32(source[24..])), port);
    }
}
