using System.Net;
using System.Net.NetworkInformation;

namespace Convey.Configuration;

/// <summary>
/// The addresses a connection from this host reaches this host on: loopback (127.0.0.0/8, ::1), the wildcards
/// (a connection to 0.0.0.0 goes to the host itself) and every address of a local interface. Interfaces are read
/// once, on first use, so a validation that never needs them does not read them.
/// </summary>
internal sealed class LocalAddresses
{
    private readonly Lazy<HashSet<IPAddress>> _interfaces;

    public LocalAddresses()
        : this(ReadInterfaces)
    {
    }

    /// <summary>With the interface addresses given (tests).</summary>
    public LocalAddresses(Func<IEnumerable<IPAddress>> interfaces)
    {
        _interfaces = new Lazy<HashSet<IPAddress>>(() => [.. interfaces().Select(ListenOverlap.Normalize)]);
    }

    public bool IsLocal(IPAddress address)
    {
        address = ListenOverlap.Normalize(address);
        return IPAddress.IsLoopback(address)
            || address.Equals(IPAddress.Any)
            || address.Equals(IPAddress.IPv6Any)
            || _interfaces.Value.Contains(address);
    }

    private static IEnumerable<IPAddress> ReadInterfaces()
    {
        try
        {
            return [.. NetworkInterface.GetAllNetworkInterfaces().SelectMany(nic => nic.GetIPProperties().UnicastAddresses).Select(u => u.Address)];
        }
        catch (NetworkInformationException)
        {
            // Without the interface list only loopback and the wildcards count as this host's.
            return [];
        }
    }
}
