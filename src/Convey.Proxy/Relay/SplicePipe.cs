using System.Collections.Concurrent;
using System.Runtime.Versioning;
using Convey.Proxy.Interop;

namespace Convey.Proxy.Relay;

/// <summary>
/// A kernel pipe that carries a spliced direction (socket → pipe → socket), with the count of bytes still in
/// it. Pipes are pooled: a direction borrows one only while bytes flow, as the buffer path borrows buffers.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class SplicePipe : IDisposable
{
    private const int MaxPooled = 256;
    private static readonly ConcurrentQueue<SplicePipe> Pool = new();
    private static int _pooled;

    private SplicePipe(SafeFileDescriptor readEnd, SafeFileDescriptor writeEnd)
    {
        ReadEnd = readEnd;
        WriteEnd = writeEnd;
    }

    public SafeFileDescriptor ReadEnd { get; }

    public SafeFileDescriptor WriteEnd { get; }

    /// <summary>Bytes spliced in and not yet spliced out.</summary>
    public int Buffered { get; set; }

    public static SplicePipe Rent()
    {
        if (Pool.TryDequeue(out var pipe))
        {
            Interlocked.Decrement(ref _pooled);
            return pipe;
        }

        return Create();
    }

    /// <summary>Gives the pipe back; one still holding bytes (its connection failed) is closed instead.</summary>
    public static void Return(SplicePipe pipe)
    {
        if (pipe.Buffered == 0 && Interlocked.Increment(ref _pooled) <= MaxPooled)
        {
            Pool.Enqueue(pipe);
            return;
        }

        if (pipe.Buffered == 0)
        {
            Interlocked.Decrement(ref _pooled);
        }

        pipe.Dispose();
    }

    public void Dispose()
    {
        ReadEnd.Dispose();
        WriteEnd.Dispose();
    }

    private static unsafe SplicePipe Create()
    {
        var descriptors = stackalloc int[2];
        if (Interop.Interop.Pipe2(descriptors, Interop.Interop.PipeNonBlock | Interop.Interop.PipeCloseOnExec) != 0)
        {
            throw new IOException($"pipe2 failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }

        return new SplicePipe(new SafeFileDescriptor(descriptors[0]), new SafeFileDescriptor(descriptors[1]));
    }
}
