namespace Convey.Proxy.Inspection.Sni;

/// <summary>
/// <c>no_client_hello</c>: what happens to a connection of an SNI-routed frontend that sends no valid TLS
/// ClientHello (not TLS, malformed, or nothing within <c>connect_timeout</c>).
/// </summary>
internal enum NoClientHelloAction
{
    /// <summary>It goes to the frontend's <c>backend</c>, as a ClientHello with an unknown name does.</summary>
    Fallback,

    /// <summary>It is closed and counted in <c>rejected_connections</c>.</summary>
    Reject,
}
