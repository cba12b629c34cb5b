using Convey.Proxy;

namespace Convey.Host.Hosting;

/// <summary>
/// The proxy engine's transport from the environment variable <c>CONVEY_TRANSPORT</c> (<c>auto</c>, <c>epoll</c>,
/// <c>io_uring</c> or <c>sockets</c>): a host-level choice, not part of the configuration a reload changes.
/// </summary>
internal static class TransportEnvironment
{
    public const string Variable = "CONVEY_TRANSPORT";

    /// <summary>Sets the transport the environment (<paramref name="variable"/> reads it) names; unset or empty keeps the default.</summary>
    public static void Apply(ProxyEngineOptions options, Func<string, string?> variable)
    {
        var value = variable(Variable);
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        options.Transport = value.ToLowerInvariant() switch
        {
            "auto" => ProxyTransport.Auto,
            "epoll" => ProxyTransport.Epoll,
            "io_uring" or "iouring" => ProxyTransport.IoUring,
            "sockets" => ProxyTransport.Sockets,
            _ => throw new ArgumentException($"{Variable}={value} names no transport: use auto, epoll, io_uring or sockets (or leave it unset)."),
        };
    }

    /// <summary>Sets what the process's environment gives.</summary>
    public static void Apply(ProxyEngineOptions options) => Apply(options, Environment.GetEnvironmentVariable);
}
