using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Convey.Proxy.Tests.Support;

/// <summary>PROXY protocol headers as an upstream sends them, and the reading of those a server gets.</summary>
internal static class ProxyHeaders
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static byte[] V1(IPEndPoint source, IPEndPoint destination) =>
        Encoding.ASCII.GetBytes($"PROXY {(source.AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6")} {source.Address} {destination.Address} {source.Port} {destination.Port}\r\n");

    /// <summary>A v2 PROXY header (command 1) or LOCAL header (command 0), with <paramref name="tlv"/> after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, byte command = 1, byte[]? tlv = null)
    {
        var ipv4 = source.AddressFamily == AddressFamily.InterNetwork;
        var addressLength = ipv4 ? 4 : 16;
        tlv ??= [];
        var payload = (2 * addressLength) + 4 + tlv.Length;
        var header = new byte[16 + payload];
        V2Signature.CopyTo(header, 0);
        header[12] = (byte)(0x20 | command);
        header[13] = ipv4 ? (byte)0x11 : (byte)0x21;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)payload);
        source.Address.TryWriteBytes(header.AsSpan(16), out _);
        destination.Address.TryWriteBytes(header.AsSpan(16 + addressLength), out _);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(16 + (2 * addressLength)), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(18 + (2 * addressLength)), (ushort)destination.Port);
        tlv.CopyTo(header, 20 + (2 * addressLength));
        return header;
    }

    /// <summary>Reads the v1 line a server gets (send_proxy = "v1"): its source and destination.</summary>
    public static async Task<(IPEndPoint Source, IPEndPoint Destination)> ReadV1Async(Socket socket)
    {
        var line = new StringBuilder();
        while (!line.ToString().EndsWith("\r\n", StringComparison.Ordinal))
        {
            line.Append((char)(await Loopback.ReadExactlyAsync(socket, 1))[0]);
        }

        var parts = line.ToString().TrimEnd().Split(' ');
        Assert.Equal("PROXY", parts[0]);
        Assert.Equal(IPAddress.Parse(parts[2]).AddressFamily == AddressFamily.InterNetwork ? "TCP4" : "TCP6", parts[1]);
        return (new IPEndPoint(IPAddress.Parse(parts[2]), int.Parse(parts[4])), new IPEndPoint(IPAddress.Parse(parts[3]), int.Parse(parts[5])));
    }
}
