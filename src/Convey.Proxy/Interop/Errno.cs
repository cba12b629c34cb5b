namespace Convey.Proxy.Interop;

/// <summary>The Linux errno values the splice path tells apart.</summary>
internal static class Errno
{
    public const int EINTR = 4;
    public const int EAGAIN = 11;
}
