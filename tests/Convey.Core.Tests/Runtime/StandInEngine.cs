using Convey.Forwarding;
using Convey.Runtime;

namespace Convey.Core.Tests.Runtime;

/// <summary>
/// Stands in for the real engines, which Core does not reference: it claims their modes and states their
/// preferences (packet modes want Maglev and servers of their frontend's family), and forwards nothing.
/// </summary>
internal sealed class StandInEngine(string? defaultPolicy, bool servesIPv6, bool keepsAddressFamily, params string[] modes) : IForwardingEngine
{
    /// <summary>The proxy engine's mode and preferences.</summary>
    public static StandInEngine Proxy() => new(null, true, false, "proxy");

    /// <summary>The packet engine's modes and preferences.</summary>
    public static StandInEngine Packet() => new("maglev", true, true, "passthrough", "dsr");

    public IReadOnlyCollection<string> Modes => modes;

    public string? DefaultPolicy(string mode) => defaultPolicy;

    public bool ServesIPv6(string mode) => servesIPv6;

    public bool KeepsAddressFamily(string mode) => keepsAddressFamily;

    public Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
