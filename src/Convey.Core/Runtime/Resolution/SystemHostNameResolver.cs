using System.Net;

namespace Convey.Runtime.Resolution;

/// <summary>
/// Resolves through the operating system (<c>getaddrinfo</c>): <c>/etc/hosts</c>, then DNS as <c>nsswitch.conf</c>
/// and <c>resolv.conf</c> say, so Docker and Kubernetes service names resolve as they do for any other program.
/// </summary>
internal sealed class SystemHostNameResolver : IHostNameResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, cancellationToken);
}
