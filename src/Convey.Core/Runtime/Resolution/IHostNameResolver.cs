using System.Net;

namespace Convey.Runtime.Resolution;

/// <summary>Looks up the addresses of a host name; the system resolver in production, a fake in tests.</summary>
internal interface IHostNameResolver
{
    /// <summary>The addresses <paramref name="host"/> has now.</summary>
    /// <exception cref="System.Net.Sockets.SocketException">The name does not exist or the lookup failed.</exception>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
