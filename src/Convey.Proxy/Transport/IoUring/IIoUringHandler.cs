namespace Convey.Proxy.Transport.IoUring;

/// <summary>What owns operations on an <see cref="IoUringLoop"/>: the completions of its operations are handed to it.</summary>
internal interface IIoUringHandler
{
    /// <summary>
    /// Called on the loop's thread for each completion of an operation submitted with this handler's slot;
    /// <paramref name="operation"/> is the handler's own code, <paramref name="result"/> and <paramref name="flags"/>
    /// the completion's <c>res</c> and <c>flags</c>.
    /// </summary>
    void OnCompletion(byte operation, int result, uint flags);
}
