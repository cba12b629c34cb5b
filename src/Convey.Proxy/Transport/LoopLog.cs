using Microsoft.Extensions.Logging;

namespace Convey.Proxy.Transport;

/// <summary>The log events of the event loops, the same for the epoll and the io_uring transport.</summary>
internal static partial class LoopLog
{
    [LoggerMessage(EventId = ProxyLogEvents.LoopFailed, EventName = nameof(ProxyLogEvents.LoopFailed), Level = LogLevel.Critical, Message = "Event loop {Loop}: {Call} failed (errno {Errno}); the process stops")]
    public static partial void LoopFailed(ILogger logger, string? loop, string call, int errno);

    [LoggerMessage(EventId = ProxyLogEvents.LoopHandlerFailed, EventName = nameof(ProxyLogEvents.LoopHandlerFailed), Level = LogLevel.Error, Message = "Event loop {Loop}: a handler failed; the loop goes on")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string? loop);
}
