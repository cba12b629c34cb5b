using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace Convey.Proxy.ProxyProtocol;

/// <summary>
/// Reads the PROXY protocol header (haproxy.org/download/2.9/doc/proxy-protocol.txt), version 1 (a text line) or 2
/// (binary), that an upstream proxy or load balancer sends before its client's bytes. A header that cannot be one is
/// refused as soon as its first bytes show it, without waiting for more.
/// </summary>
internal static class ProxyHeaderParser
{
    /// <summary>Longest version 1 line, CRLF included.</summary>
    public const int MaxV1Length = 107;

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>
    /// Parses the header at the start of <paramref name="data"/>. On <see cref="ProxyHeaderStatus.Complete"/>,
    /// <paramref name="length"/> is the header's length and <paramref name="source"/>/<paramref name="destination"/>
    /// the addresses it carries, or null for a header that carries none (v1 <c>UNKNOWN</c>, v2 <c>LOCAL</c> or an
    /// unspecified or Unix family): the connection's own addresses stand. <paramref name="error"/> says what is wrong
    /// with an invalid header.
    /// </summary>
    public static ProxyHeaderStatus TryParse(ReadOnlySpan<byte> data, out int length, out IPEndPoint? source, out IPEndPoint? destination, out string? error)
    {
        length = 0;
        source = null;
        destination = null;
        error = null;
        if (data.IsEmpty)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        if (StartsWithPartial(data, V2Signature))
        {
            return data.Length < V2Signature.Length ? ProxyHeaderStatus.Incomplete : ParseV2(data, out length, out source, out destination, out error);
        }

        if (StartsWithPartial(data, V1Prefix))
        {
            return data.Length < V1Prefix.Length ? ProxyHeaderStatus.Incomplete : ParseV1(data, out length, out source, out destination, out error);
        }

        error = "the connection does not start with a PROXY protocol header";
        return ProxyHeaderStatus.Invalid;
    }

    private static ProxyHeaderStatus ParseV1(ReadOnlySpan<byte> data, out int length, out IPEndPoint? source, out IPEndPoint? destination, out string? error)
    {
        length = 0;
        source = null;
        destination = null;
        error = null;
        var window = data[..Math.Min(data.Length, MaxV1Length)];
        var end = window.IndexOf("\r\n"u8);
        if (end < 0)
        {
            if (data.Length >= MaxV1Length || window.IndexOf((byte)'\n') >= 0)
            {
                error = "the PROXY v1 line does not end with CRLF within 107 bytes";
                return ProxyHeaderStatus.Invalid;
            }

            return ProxyHeaderStatus.Incomplete;
        }

        length = end + 2;
        var line = data[V1Prefix.Length..end];
        Span<Range> parts = stackalloc Range[6];
        var count = 0;
        foreach (var part in line.Split((byte)' '))
        {
            if (count == parts.Length)
            {
                error = "the PROXY v1 line has too many fields";
                return ProxyHeaderStatus.Invalid;
            }

            parts[count++] = part;
        }
        var protocol = count > 0 ? line[parts[0]] : default;
        if (protocol.SequenceEqual("UNKNOWN"u8))
        {
            return ProxyHeaderStatus.Complete;
        }

        if (!protocol.SequenceEqual("TCP4"u8) && !protocol.SequenceEqual("TCP6"u8))
        {
            error = "the PROXY v1 line names no protocol TCP4, TCP6 or UNKNOWN";
            return ProxyHeaderStatus.Invalid;
        }

        if (count != 5)
        {
            error = "the PROXY v1 line does not have the form 'PROXY TCP4|TCP6 source destination source-port destination-port'";
            return ProxyHeaderStatus.Invalid;
        }

        var ipv4 = protocol[3] == (byte)'4';
        if (!TryAddress(line[parts[1]], ipv4, out var sourceAddress) || !TryAddress(line[parts[2]], ipv4, out var destinationAddress))
        {
            error = $"the PROXY v1 line carries an address that is not {(ipv4 ? "IPv4" : "IPv6")}";
            return ProxyHeaderStatus.Invalid;
        }

        if (!TryPort(line[parts[3]], out var sourcePort) || !TryPort(line[parts[4]], out var destinationPort))
        {
            error = "the PROXY v1 line carries a port that is not a number from 0 to 65535";
            return ProxyHeaderStatus.Invalid;
        }

        source = new IPEndPoint(sourceAddress, sourcePort);
        destination = new IPEndPoint(destinationAddress, destinationPort);
        return ProxyHeaderStatus.Complete;
    }

    private static ProxyHeaderStatus ParseV2(ReadOnlySpan<byte> data, out int length, out IPEndPoint? source, out IPEndPoint? destination, out string? error)
    {
        length = 0;
        source = null;
        destination = null;
        error = null;
        if (data.Length < 16)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        var versionCommand = data[12];
        if (versionCommand >> 4 != 2)
        {
            error = $"the PROXY v2 header has version {versionCommand >> 4}, not 2";
            return ProxyHeaderStatus.Invalid;
        }

        var command = versionCommand & 0x0F;
        if (command > 1)
        {
            error = $"the PROXY v2 header has the unknown command {command}";
            return ProxyHeaderStatus.Invalid;
        }

        var payload = BinaryPrimitives.ReadUInt16BigEndian(data[14..]);
        if (data.Length < 16 + payload)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        length = 16 + payload;
        var family = data[13] >> 4;
        var body = data.Slice(16, payload);
        if (command == 0 || family is 0 or 3)
        {
            // LOCAL (the upstream's own connection, such as a health check), or an unspecified or Unix family.
            return ProxyHeaderStatus.Complete;
        }

        var addressLength = family switch
        {
            1 => 4,
            2 => 16,
            _ => 0,
        };
        if (addressLength == 0)
        {
            error = $"the PROXY v2 header has the unknown address family {family}";
            return ProxyHeaderStatus.Invalid;
        }

        if (payload < (2 * addressLength) + 4)
        {
            error = $"the PROXY v2 header's addresses need {(2 * addressLength) + 4} bytes, it has {payload}";
            return ProxyHeaderStatus.Invalid;
        }

        source = new IPEndPoint(new IPAddress(body[..addressLength]), BinaryPrimitives.ReadUInt16BigEndian(body[(2 * addressLength)..]));
        destination = new IPEndPoint(new IPAddress(body[addressLength..(2 * addressLength)]), BinaryPrimitives.ReadUInt16BigEndian(body[((2 * addressLength) + 2)..]));
        return ProxyHeaderStatus.Complete;
    }

    /// <summary>Whether <paramref name="data"/> begins as <paramref name="prefix"/> does, as far as it goes.</summary>
    private static bool StartsWithPartial(ReadOnlySpan<byte> data, ReadOnlySpan<byte> prefix)
    {
        var common = Math.Min(data.Length, prefix.Length);
        return data[..common].SequenceEqual(prefix[..common]);
    }

    private static bool TryAddress(ReadOnlySpan<byte> text, bool ipv4, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || (ipv4 ? text.IndexOf((byte)':') >= 0 : text.IndexOf((byte)':') < 0) || text.IndexOfAny("%/"u8) >= 0)
        {
            return false;
        }

        if (ipv4 && text.Count((byte)'.') != 3)
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static bool TryPort(ReadOnlySpan<byte> text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port <= 65535 && text.Length <= 5;
}
