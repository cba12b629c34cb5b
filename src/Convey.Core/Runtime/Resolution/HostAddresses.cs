using System.Collections.Immutable;
using System.Net;

namespace Convey.Runtime.Resolution;

/// <summary>
/// The addresses each host name of the configuration resolved to, as last known; a name absent here has never
/// resolved. Immutable: each lookup that changes a name's addresses makes a new one.
/// </summary>
internal sealed class HostAddresses
{
    private readonly ImmutableDictionary<string, ImmutableArray<IPAddress>> _byHost;

    private HostAddresses(ImmutableDictionary<string, ImmutableArray<IPAddress>> byHost) => _byHost = byHost;

    /// <summary>No name resolved yet.</summary>
    public static HostAddresses None { get; } = new(ImmutableDictionary.Create<string, ImmutableArray<IPAddress>>(StringComparer.OrdinalIgnoreCase));

    /// <summary>The addresses of <paramref name="host"/>; empty when it never resolved.</summary>
    public ImmutableArray<IPAddress> Of(string host) => _byHost.TryGetValue(host, out var addresses) ? addresses : [];

    /// <summary>A copy in which <paramref name="host"/> has <paramref name="addresses"/>.</summary>
    public HostAddresses With(string host, ImmutableArray<IPAddress> addresses) => new(_byHost.SetItem(host, addresses));

    /// <summary>A copy holding only the names in <paramref name="hosts"/>.</summary>
    public HostAddresses Only(IReadOnlySet<string> hosts) =>
        new(_byHost.RemoveRange(_byHost.Keys.Where(h => !hosts.Contains(h)).ToList()));

    /// <summary>Whether <paramref name="other"/> gives each of <paramref name="hosts"/> the same addresses as this.</summary>
    public bool Agrees(HostAddresses other, IEnumerable<string> hosts) => hosts.All(h => Of(h).SequenceEqual(other.Of(h)));
}
