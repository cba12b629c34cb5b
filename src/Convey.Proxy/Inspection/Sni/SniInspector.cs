using System.Runtime.CompilerServices;

namespace Convey.Proxy.Inspection.Sni;

/// <summary>
/// Routes a TLS connection by the server name of its ClientHello (<c>[frontends.NAME.sni]</c>) without terminating
/// TLS: the ClientHello is only read, and goes to the chosen pool's server with the rest of the client's bytes. A
/// name no route matches, or a ClientHello without one, goes to the frontend's <c>backend</c>; what is no valid
/// ClientHello (within <c>connect_timeout</c>) goes there too or is rejected (<c>no_client_hello</c>).
/// </summary>
internal sealed class SniInspector(SniRoutes routes, NoClientHelloAction noClientHello) : IConnectionInspector
{
    public SniRoutes Routes { get; } = routes;

    public NoClientHelloAction NoClientHello { get; } = noClientHello;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<InspectionResult> InspectAsync(ConnectionInspectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Input;
        while (true)
        {
            var read = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var buffer = read.Buffer;
            var status = Route(buffer.FirstSpan, out var pool);
            input.AdvanceTo(buffer.Start, buffer.End);
            switch (status)
            {
                case ClientHelloStatus.Complete:
                    if (pool is not null)
                    {
                        connection.Pool = pool;
                    }

                    return InspectionResult.Continue;
                case ClientHelloStatus.Invalid:
                    return Decide("the client's first bytes are not a valid TLS ClientHello");
            }

            if (read.IsCanceled)
            {
                return Decide("no complete TLS ClientHello within connect_timeout");
            }

            if (read.IsCompleted)
            {
                return Decide(buffer.Length >= ConnectionInspectionContext.MaxInspectedBytes
                    ? "the TLS ClientHello is longer than Convey reads"
                    : "the client ended its stream before a complete TLS ClientHello");
            }
        }
    }

    /// <summary>Parses what arrived so far; on a complete ClientHello, the pool its server name routes to (null: the fallback).</summary>
    private ClientHelloStatus Route(ReadOnlySpan<byte> data, out string? pool)
    {
        pool = null;
        Span<byte> name = stackalloc byte[ClientHelloParser.NameBufferLength];
        var status = ClientHelloParser.TryParse(data, name, out var length);
        if (status == ClientHelloStatus.Complete && length > 0)
        {
            pool = Routes.Find(name[..length]);
        }

        return status;
    }

    private InspectionResult Decide(string why) => NoClientHello == NoClientHelloAction.Reject ? InspectionResult.Reject(why) : InspectionResult.Continue;
}
