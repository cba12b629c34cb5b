namespace Convey.Proxy.Inspection;

/// <summary>
/// Looks at the first bytes of a client connection of a proxy-mode frontend before it is relayed, and decides where it
/// goes: it may choose the pool (<see cref="ConnectionInspectionContext.Pool"/>), set the client's address
/// (<see cref="ConnectionInspectionContext.ClientEndPoint"/>), or reject the connection. Bytes it reads and leaves
/// unconsumed (<c>AdvanceTo(buffer.Start, buffer.End)</c>) are sent to the server before the relay starts; bytes it
/// consumes are not. One instance serves every connection of its frontend, from several threads at once: keep it
/// free of per-connection state.
/// </summary>
public interface IConnectionInspector
{
    /// <summary>
    /// Inspects one connection. <paramref name="cancellationToken"/> is cancelled when the frontend's
    /// <c>connect_timeout</c> has passed since the connection was accepted; a read of
    /// <see cref="ConnectionInspectionContext.Input"/> that needs more bytes then returns with
    /// <c>IsCanceled</c> set, so the inspector can decide on what it has. An exception rejects the connection.
    /// </summary>
    ValueTask<InspectionResult> InspectAsync(ConnectionInspectionContext connection, CancellationToken cancellationToken);
}
