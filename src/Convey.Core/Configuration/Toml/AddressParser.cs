using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Convey.Configuration.Toml;

/// <summary>
/// Parses the address forms of the configuration: <c>IPv4:port</c> and <c>[IPv6]:port</c> endpoints, bare IP
/// addresses, and for servers also <c>name:port</c> with an RFC 1123 host name. Listen addresses stay IP literals:
/// a balancer must not depend on DNS to know where it listens.
/// </summary>
internal static class AddressParser
{
    private const string Forms = "\"IPv4:port\" (\"127.0.0.1:8080\") or \"[IPv6]:port\" (\"[::1]:8080\")";
    private const string ServerForms = "\"IPv4:port\", \"[IPv6]:port\" or \"name:port\" (\"db.internal:5432\")";

    /// <summary>Parses an IP endpoint; on failure <paramref name="error"/> says what is wrong and how to write it.</summary>
    public static bool TryParseEndPoint(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = null!;
        if (!TrySplit(text, Forms, out var hostText, out var port, out error))
        {
            return false;
        }

        if (!TryParseHost(hostText, bracketed: true, out var address))
        {
            error = IsUnbracketedIPv6(hostText)
                ? BracketsNeeded(text)
                : $"\"{hostText}\" in \"{text}\" is not an IP address (a listen address is never a host name); write {Forms}.";
            return false;
        }

        endPoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>
    /// Parses a server address: an IP endpoint (<see cref="IPEndPoint"/>) or a host name and port
    /// (<see cref="DnsEndPoint"/>, the name in lower case); on failure <paramref name="error"/> says what is wrong.
    /// </summary>
    public static bool TryParseServerAddress(string text, out EndPoint endPoint, out string error)
    {
        endPoint = null!;
        if (!TrySplit(text, ServerForms, out var hostText, out var port, out error))
        {
            return false;
        }

        if (TryParseHost(hostText, bracketed: true, out var address))
        {
            endPoint = new IPEndPoint(address, port);
            return true;
        }

        if (HostNameSyntax.IsValid(hostText))
        {
            endPoint = new DnsEndPoint(hostText.ToLowerInvariant(), port);
            return true;
        }

        error = hostText switch
        {
            _ when IsUnbracketedIPv6(hostText) => BracketsNeeded(text),
            ['[', .., ']'] => $"\"{hostText}\" in \"{text}\" is not an IPv6 address; brackets hold IPv6 addresses only, as in \"[::1]:8080\".",
            _ when HostNameSyntax.LooksNumeric(hostText) => $"\"{hostText}\" in \"{text}\" is not an IPv4 address; write four numbers 0–255, as in \"10.0.0.1:8080\".",
            _ => $"\"{hostText}\" in \"{text}\" is neither an IP address nor a host name (a host name is labels of letters, digits and '-' joined by dots, as in \"db.internal\"); write {ServerForms}.",
        };
        return false;
    }

    /// <summary>Parses a bare IP address; IPv6 may be written with or without brackets.</summary>
    public static bool TryParseAddress(string text, out IPAddress address) => TryParseHost(text, bracketed: false, out address);

    /// <summary>Splits "host:port" at the last colon and reads the port (1–65535).</summary>
    private static bool TrySplit(string text, string forms, out string host, out int port, out string error)
    {
        host = "";
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon < 0 || (text.StartsWith('[') && !text[..colon].EndsWith(']')) || IsUnbracketedIPv6(text))
        {
            error = IsUnbracketedIPv6(text) ? BracketsNeeded(text) : $"\"{text}\" has no port; write {forms}.";
            return false;
        }

        host = text[..colon];
        var portText = text[(colon + 1)..];
        if (host.Length == 0)
        {
            error = $"\"{text}\" has no host before the port; write {forms}.";
            return false;
        }

        if (portText.Length == 0 || !portText.All(char.IsAsciiDigit))
        {
            error = $"\"{portText}\" in \"{text}\" is not a port number; use a number between 1 and 65535.";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"port {portText} in \"{text}\" is out of range; use a number between 1 and 65535.";
            return false;
        }

        error = "";
        return true;
    }

    private static bool IsUnbracketedIPv6(string text) =>
        !text.StartsWith('[') && text.Contains(':', StringComparison.Ordinal)
        && IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;

    private static string BracketsNeeded(string text) => $"\"{text}\": an IPv6 address needs brackets, as in \"[::1]:8080\".";

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
