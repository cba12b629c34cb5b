using Convey.Proxy.Transport.Epoll;
using Convey.Proxy.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport;

/// <summary>Creates the transport <see cref="ProxyEngineOptions.Transport"/> asks for.</summary>
internal static class TransportFactory
{
    public static ITransport Create(ProxyEngineOptions options, ILogger logger)
    {
        var epoll = options.Transport switch
        {
            ProxyTransport.Epoll when !OperatingSystem.IsLinux() =>
                throw new PlatformNotSupportedException("ProxyEngineOptions.Transport = Epoll needs Linux; use Auto or Sockets on this system."),
            ProxyTransport.Epoll => true,
            ProxyTransport.Sockets => false,
            _ => OperatingSystem.IsLinux(),
        };

        if (epoll && OperatingSystem.IsLinux())
        {
            var loops = options.EventLoops > 0 ? options.EventLoops : Environment.ProcessorCount;
            return new EpollTransport(loops, logger);
        }

        return new SocketsTransport();
    }
}
