using Convey.Metrics;
using Convey.Proxy.Transport;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy;

/// <summary>What every listener and connection of one engine shares: its options, transport, connection limit, clock, metrics and logger.</summary>
internal sealed class ProxyContext(ProxyEngineOptions options, ITransport transport, TimeProvider time, ConveyMetrics metrics, ILogger logger)
{
    public ProxyEngineOptions Options { get; } = options;

    public ITransport Transport { get; } = transport;

    /// <summary>The engine-wide cap; unlimited until the engine sizes it from the descriptor budget, unless the options set it.</summary>
    public ConnectionLimit Limit { get; } = new(options.MaxConnections > 0 ? options.MaxConnections : int.MaxValue, time);

    public TimeProvider Time { get; } = time;

    public ConveyMetrics Metrics { get; } = metrics;

    public ILogger Logger { get; } = logger;
}
