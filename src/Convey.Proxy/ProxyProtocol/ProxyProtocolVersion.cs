namespace Convey.Proxy.ProxyProtocol;

/// <summary>Which PROXY protocol header a pool's servers get before the client's bytes (<c>send_proxy</c>).</summary>
internal enum ProxyProtocolVersion
{
    /// <summary>No header.</summary>
    None,

    /// <summary>Version 1, a text line.</summary>
    V1,

    /// <summary>Version 2, binary.</summary>
    V2,
}
