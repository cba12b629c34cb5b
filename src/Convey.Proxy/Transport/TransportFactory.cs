using Convey.Proxy.Transport.Epoll;
using Convey.Proxy.Transport.IoUring;
using Convey.Proxy.Transport.Sockets;
using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport;

/// <summary>Creates the transport <see cref="ProxyEngineOptions.Transport"/> asks for, and says in the log which one runs.</summary>
internal static partial class TransportFactory
{
    public static ITransport Create(ProxyEngineOptions options, ILogger logger) =>
        Create(options, logger, static () => OperatingSystem.IsLinux() ? IoUringSupport.Check() : "io_uring exists on Linux only");

    /// <summary>As <see cref="Create(ProxyEngineOptions, ILogger)"/>, with the check of io_uring given (null: usable; else why not).</summary>
    internal static ITransport Create(ProxyEngineOptions options, ILogger logger, Func<string?> ioUringUnavailable)
    {
        var transport = Choose(options, logger, ioUringUnavailable);
        LogTransport(logger, transport.Name, options.Transport);
        return transport;
    }

    private static ITransport Choose(ProxyEngineOptions options, ILogger logger, Func<string?> ioUringUnavailable)
    {
        if (options.Transport is ProxyTransport.Epoll or ProxyTransport.IoUring && !OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException($"ProxyEngineOptions.Transport = {options.Transport} needs Linux; use Auto or Sockets on this system.");
        }

        if (options.Transport == ProxyTransport.Sockets || !OperatingSystem.IsLinux())
        {
            return new SocketsTransport();
        }

        var loops = options.EventLoops > 0 ? options.EventLoops : Environment.ProcessorCount;
        if (options.Transport == ProxyTransport.IoUring)
        {
            if (ioUringUnavailable() is not { } reason)
            {
                return new IoUringTransport(loops, options.IoUringSizes, options.BufferSize, logger);
            }

            LogIoUringUnavailable(logger, reason);
        }

        return new EpollTransport(loops, logger);
    }

    [LoggerMessage(EventId = ProxyLogEvents.TransportChosen, EventName = nameof(ProxyLogEvents.TransportChosen), Level = LogLevel.Information, Message = "Proxy engine runs on the {Transport} transport (ProxyEngineOptions.Transport = {Asked})")]
    private static partial void LogTransport(ILogger logger, string transport, ProxyTransport asked);

    [LoggerMessage(EventId = ProxyLogEvents.IoUringUnavailable, EventName = nameof(ProxyLogEvents.IoUringUnavailable), Level = LogLevel.Warning, Message = "io_uring cannot serve here ({Reason}); the proxy engine runs on epoll. Containers often forbid io_uring (seccomp, sysctl kernel.io_uring_disabled); it needs Linux 6.1 or later")]
    private static partial void LogIoUringUnavailable(ILogger logger, string reason);
}
