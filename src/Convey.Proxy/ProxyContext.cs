using Microsoft.Extensions.Logging;

namespace Convey.Proxy;

/// <summary>What every listener and connection of one engine shares: its options, clock and logger.</summary>
internal sealed class ProxyContext(ProxyEngineOptions options, TimeProvider time, ILogger logger)
{
    public ProxyEngineOptions Options { get; } = options;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;
}
