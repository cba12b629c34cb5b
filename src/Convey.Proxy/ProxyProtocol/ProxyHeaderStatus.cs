namespace Convey.Proxy.ProxyProtocol;

/// <summary>What <see cref="ProxyHeaderParser"/> found.</summary>
internal enum ProxyHeaderStatus
{
    /// <summary>So far a valid header; more bytes are needed.</summary>
    Incomplete,

    /// <summary>A whole header.</summary>
    Complete,

    /// <summary>Not a valid header.</summary>
    Invalid,
}
