using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Convey.Configuration.Toml;

/// <summary>
/// Parses the address forms of the configuration: <c>IPv4:port</c> and <c>[IPv6]:port</c> endpoints, and bare IP
/// addresses. Host names are refused: a load balancer must not depend on DNS to start.
/// </summary>
internal static class AddressParser
{
    /// <summary>Parses an endpoint; on failure <paramref name="error"/> says what is wrong and how to write it.</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = null!;
        var colon = text.LastIndexOf(':');
        if (colon < 0 || (text.StartsWith('[') && !text[..colon].EndsWith(']')))
        {
            error = $"\"{text}\" has no port; write \"IPv4:port\" (\"127.0.0.1:8080\") or \"[IPv6]:port\" (\"[::1]:8080\").";
            return false;
        }

        var hostText = text[..colon];
        var portText = text[(colon + 1)..];
        if (!TryParseHost(hostText, bracketed: true, out var address))
        {
            error = hostText.Contains(':', StringComparison.Ordinal) && !hostText.StartsWith('[')
                ? $"\"{text}\": an IPv6 address needs brackets, as in \"[::1]:8080\"."
                : $"\"{hostText}\" in \"{text}\" is not an IP address (host names are not resolved); write \"IPv4:port\" or \"[IPv6]:port\".";
            return false;
        }

        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit))
        {
            error = $"\"{portText}\" in \"{text}\" is not a port number; use a number between 1 and 65535.";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            error = $"port {portText} in \"{text}\" is out of range; use a number between 1 and 65535.";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        error = "";
        return true;
    }

    /// <summary>Parses a bare IP address; IPv6 may be written with or without brackets.</summary>
    public static bool TryParseAddress(string text, out IPAddress address) => TryParseHost(text, bracketed: false, out address);

    private static bool TryParseHost(string text, bool bracketed, out IPAddress address)
    {
        address = null!;
        if (text.StartsWith('[') && text.EndsWith(']'))
        {
            return IPAddress.TryParse(text[1..^1], out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return !bracketed && IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        // IPAddress.TryParse takes "1" or "1.2" as IPv4 shorthands; only the dotted quad is accepted here.
        var parts = text.Split('.');
        return parts.Length == 4
            && parts.All(p => p.Length is > 0 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, CultureInfo.InvariantCulture) <= 255)
            && IPAddress.TryParse(text, out address!);
    }
}
