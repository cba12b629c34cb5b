namespace Convey.Configuration;

/// <summary>Which PROXY protocol header, if any, the proxy engine sends to servers.</summary>
public enum ProxyProtocolVersion
{
    /// <summary>No header.</summary>
    None,

    /// <summary>Version 1, the human-readable text header.</summary>
    V1,

    /// <summary>Version 2, the binary header.</summary>
    V2,
}
