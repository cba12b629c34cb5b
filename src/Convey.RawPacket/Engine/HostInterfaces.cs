using System.Collections.Immutable;
using System.Net;
using System.Net.NetworkInformation;

namespace Convey.RawPacket.Engine;

/// <summary>
/// The host's network interfaces and local addresses at one moment, and which interfaces a frontend's packets are
/// taken on: the one its <c>interface</c> names, or every uplink (up, not loopback, not a bridge or bond port). Two
/// inventories are equal when interfaces and addresses are, so the engine re-plans its receive groups only when
/// something changed.
/// </summary>
internal sealed class HostInterfaces : IEquatable<HostInterfaces>
{
    private readonly ImmutableArray<IPAddress> _addresses;

    public HostInterfaces(IEnumerable<HostInterface> interfaces, IEnumerable<IPAddress> localAddresses)
    {
        All = [.. interfaces.OrderBy(i => i.Index)];
        _addresses = [.. localAddresses.Distinct().OrderBy(a => a.ToString(), StringComparer.Ordinal)];
    }

    public static HostInterfaces Empty { get; } = new([], []);

    /// <summary>Every interface, by index.</summary>
    public ImmutableArray<HostInterface> All { get; }

    /// <summary>Where frontends that name no interface take their packets.</summary>
    public IEnumerable<HostInterface> Uplinks => All.Where(i => i.IsUplink);

    /// <summary>Reads the interfaces of the network namespace the process runs in.</summary>
    /// <param name="sysfs">Where the kernel lists interfaces (<c>/sys/class/net</c>): a port's <c>master</c> link is read there.</param>
    public static HostInterfaces Read(string sysfs = "/sys/class/net")
    {
        var interfaces = new List<HostInterface>();
        var addresses = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            var properties = nic.GetIPProperties();
            var ipv4 = properties.GetIPv4Properties();
            interfaces.Add(new HostInterface(
                nic.Name,
                ipv4.Index,
                ipv4.Mtu,
                nic.NetworkInterfaceType == NetworkInterfaceType.Loopback,
                nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown,
                Directory.Exists(Path.Combine(sysfs, nic.Name, "master"))));
            addresses.AddRange(properties.UnicastAddresses.Select(u => u.Address));
        }

        return new HostInterfaces(interfaces, addresses);
    }

    /// <summary>Whether an interface of the host (loopback and dummy ones too) holds <paramref name="address"/>.</summary>
    public bool IsLocal(IPAddress address) => _addresses.Contains(address);

    /// <summary>
    /// The interfaces a frontend's packets are taken on: <paramref name="name"/>, or every uplink when it is null.
    /// False with the reason, in words for operators, when there is none to take them on.
    /// </summary>
    public bool TryChoose(string? name, out ImmutableArray<HostInterface> chosen, out string reason)
    {
        reason = string.Empty;
        if (name is null)
        {
            chosen = [.. Uplinks];
            if (chosen.IsEmpty)
            {
                reason = "no interface of this host is up besides loopback, so its packets cannot arrive; bring the uplink up, or name one with interface = \"...\"";
            }

            return !chosen.IsEmpty;
        }

        chosen = [];
        var named = All.FirstOrDefault(i => i.Name == name);
        if (named is null)
        {
            reason = $"interface \"{name}\" does not exist on this host (it has: {string.Join(", ", All.Select(i => i.Name))}); "
                + "correct interface (on the frontend or in [passthrough]) or create the interface";
            return false;
        }

        if (!named.IsUp)
        {
            reason = $"interface \"{name}\" is down, so its packets cannot arrive; bring it up (ip link set {name} up)";
            return false;
        }

        chosen = [named];
        return true;
    }

    public bool Equals(HostInterfaces? other) =>
        other is not null && All.SequenceEqual(other.All) && _addresses.SequenceEqual(other._addresses);

    public override bool Equals(object? obj) => Equals(obj as HostInterfaces);

    public override int GetHashCode() => HashCode.Combine(All.Length, _addresses.Length);
}
