namespace Convey.Proxy.Transport.Epoll;

/// <summary>What an event loop calls when a registered descriptor reports events.</summary>
internal interface IEpollHandler
{
    /// <summary>Called on the loop's thread with the <c>EPOLL*</c> mask (see <see cref="Interop.EpollEventLayout"/>).</summary>
    void OnEvents(uint events);
}
