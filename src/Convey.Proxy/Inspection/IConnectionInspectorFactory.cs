using Convey.Configuration;

namespace Convey.Proxy.Inspection;

/// <summary>
/// Gives the inspectors of an application to the proxy engine (register with
/// <c>AddConnectionInspector&lt;T&gt;()</c>). Asked for each proxy-mode frontend every time a configuration is
/// applied; an inspector runs after the engine's own (<c>accept_proxy</c>, then <c>[frontends.NAME.sni]</c>), in the
/// order the factories were registered.
/// </summary>
public interface IConnectionInspectorFactory
{
    /// <summary>The inspector for <paramref name="frontend"/>'s connections, or null to leave them alone.</summary>
    IConnectionInspector? Create(FrontendConfig frontend);
}
