namespace Convey.Proxy.Transport.IoUring;

/// <summary>How large each loop's rings and receive buffer pool are (tests shrink them to reach the edges: a full queue, an empty pool).</summary>
/// <param name="SubmissionEntries">Submission queue entries (a power of two).</param>
/// <param name="CompletionEntries">Completion queue entries (a power of two, at least the submission entries).</param>
/// <param name="Buffers">Receive buffers (a power of two), each <see cref="ProxyEngineOptions.BufferSize"/> bytes.</param>
internal readonly record struct IoUringSizes(uint SubmissionEntries, uint CompletionEntries, int Buffers)
{
    /// <summary>
    /// Room for a burst of submissions, completions for every connection of a busy loop without overflow, and
    /// 256 buffers (8 MiB at the default size): the most a loop lends at once, whatever the number of connections.
    /// </summary>
    public static IoUringSizes Default { get; } = new(1024, 8192, 256);
}
