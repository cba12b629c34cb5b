namespace Convey.Configuration;

/// <summary>The transport protocol of a frontend (<c>protocol</c>).</summary>
public enum FrontendProtocol
{
    /// <summary>TCP connections (<c>"tcp"</c>), the default.</summary>
    Tcp,

    /// <summary>UDP datagrams (<c>"udp"</c>), grouped into sessions per client address and port.</summary>
    Udp,
}
