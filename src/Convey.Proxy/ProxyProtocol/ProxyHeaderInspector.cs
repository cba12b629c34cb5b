using System.Runtime.CompilerServices;
using Convey.Proxy.Inspection;

namespace Convey.Proxy.ProxyProtocol;

/// <summary>
/// <c>accept_proxy = true</c>: reads the PROXY header (v1 or v2) an upstream sends first and makes its source the
/// client's address. The header is consumed (the server never sees it; <c>send_proxy</c> writes a new one). A
/// connection without a valid header within <c>connect_timeout</c> is rejected.
/// </summary>
internal sealed class ProxyHeaderInspector : IConnectionInspector
{
    public static ProxyHeaderInspector Instance { get; } = new();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<InspectionResult> InspectAsync(ConnectionInspectionContext connection, CancellationToken cancellationToken)
    {
        var input = connection.Input;
        while (true)
        {
            var read = await input.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            var buffer = read.Buffer;
            var status = ProxyHeaderParser.TryParse(buffer.FirstSpan, out var length, out var source, out var destination, out var error);
            switch (status)
            {
                case ProxyHeaderStatus.Complete:
                    input.AdvanceTo(buffer.GetPosition(length));
                    if (source is not null && destination is not null)
                    {
                        connection.ClientEndPoint = source;
                        connection.LocalEndPoint = destination;
                    }

                    return InspectionResult.Continue;
                case ProxyHeaderStatus.Invalid:
                    input.AdvanceTo(buffer.Start);
                    return InspectionResult.Reject(error!);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (read.IsCanceled)
            {
                return InspectionResult.Reject("no complete PROXY header within connect_timeout");
            }

            if (read.IsCompleted)
            {
                return InspectionResult.Reject("the upstream closed before a complete PROXY header");
            }
        }
    }
}
