namespace Convey.Proxy.Inspection.Sni;

/// <summary>What <see cref="ClientHelloParser"/> found.</summary>
internal enum ClientHelloStatus
{
    /// <summary>So far a valid ClientHello; more bytes are needed.</summary>
    Incomplete,

    /// <summary>A ClientHello, read as far as its server name (or to its end, when it has none).</summary>
    Complete,

    /// <summary>Not a TLS ClientHello, or a malformed one.</summary>
    Invalid,
}
