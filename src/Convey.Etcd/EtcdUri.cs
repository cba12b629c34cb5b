using System.Globalization;
using System.Net;

namespace Convey.Etcd;

/// <summary>
/// Reads <c>etcd://host:port[,host:port...]/key</c> (or <c>etcds://</c> for TLS): the endpoints of the cluster, and
/// the key after the slash that ends them, percent-decoded (<c>etcd://h:2379/convey/config</c> is the key
/// <c>convey/config</c>; <c>etcd://h:2379//convey/config</c> the key <c>/convey/config</c>).
/// </summary>
internal static class EtcdUri
{
    public const string PlainScheme = "etcd";
    public const string TlsScheme = "etcds";

    /// <summary>Whether <paramref name="text"/> is meant as an etcd URL (it starts with <c>etcd://</c> or <c>etcds://</c>).</summary>
    public static bool IsEtcdUri(string text) =>
        text.StartsWith(PlainScheme + "://", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith(TlsScheme + "://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Fills <paramref name="options"/> from <paramref name="uri"/>; returns what is wrong with it, or null.</summary>
    public static string? TryApply(string uri, EtcdConfigOptions options)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(options);
        const string Example = "write it as etcd://host:port/key, for example etcd://127.0.0.1:2379/convey/config";
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? uri[..schemeEnd].ToLowerInvariant() : "";
        if (scheme is not (PlainScheme or TlsScheme))
        {
            return $"'{uri}' is not an etcd URL; {Example} (etcds:// for TLS).";
        }

        var rest = uri[(schemeEnd + 3)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? "" : Uri.UnescapeDataString(rest[(slash + 1)..]);
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return $"'{uri}' has credentials in it, where every process list shows them; give the etcd user and password separately (docs/configuration.md, \"Configuration in etcd\").";
        }

        if (authority.Length == 0)
        {
            return $"'{uri}' names no etcd endpoint; {Example}.";
        }

        if (key.Length == 0)
        {
            return $"'{uri}' names no key after the endpoints; {Example}.";
        }

        var endpoints = authority.Split(',').Select(e => WithPort(e.Trim())).ToList();
        if (endpoints.Select(EndpointError).FirstOrDefault(e => e is not null) is { } error)
        {
            return $"'{uri}': {error}";
        }

        options.UseTls = scheme == TlsScheme;
        options.Key = key;
        options.Endpoints.Clear();
        foreach (var endpoint in endpoints)
        {
            options.Endpoints.Add(endpoint);
        }

        return null;
    }

    /// <summary>What is wrong with <paramref name="endpoint"/> as <c>host:port</c>, or null.</summary>
    public static string? EndpointError(string endpoint)
    {
        var (host, port) = Split(endpoint);
        if (host.Length == 0 || host.Contains('/', StringComparison.Ordinal) || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            return $"the etcd endpoint '{endpoint}' has no valid host; write it as host:port, for example 127.0.0.1:2379 or [::1]:2379.";
        }

        if (port is null || !int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            return $"the etcd endpoint '{endpoint}' has no valid port (1-65535); write it as host:port, for example 127.0.0.1:2379.";
        }

        return null;
    }

    private static string WithPort(string endpoint) =>
        Split(endpoint).Port is null && endpoint.Length > 0 && !endpoint.EndsWith(':')
            ? $"{endpoint}:{EtcdConfigOptions.DefaultPort.ToString(CultureInfo.InvariantCulture)}"
            : endpoint;

    private static (string Host, string? Port) Split(string endpoint)
    {
        if (endpoint.StartsWith('['))
        {
            var close = endpoint.IndexOf(']', StringComparison.Ordinal);
            return close < 0
                ? (endpoint, null)
                : (endpoint[..(close + 1)], close + 1 < endpoint.Length && endpoint[close + 1] == ':' ? endpoint[(close + 2)..] : null);
        }

        var colon = endpoint.LastIndexOf(':');
        if (colon >= 0 && endpoint.IndexOf(':', StringComparison.Ordinal) != colon)
        {
            // An IPv6 address without brackets: the port cannot be told from the address.
            return (IPAddress.TryParse(endpoint, out _) ? "" : endpoint, null);
        }

        return colon < 0 ? (endpoint, null) : (endpoint[..colon], endpoint[(colon + 1)..]);
    }
}
