using System.Diagnostics.CodeAnalysis;
using Convey.DependencyInjection;
using Convey.Proxy.Inspection;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds connection inspectors to the proxy engine.</summary>
public static class ConnectionInspectorBuilderExtensions
{
    /// <summary>
    /// Adds an <see cref="IConnectionInspectorFactory"/> (one instance, constructor parameters from DI): it gives the
    /// inspector of each proxy-mode frontend whose connections it wants to look at before they are relayed.
    /// </summary>
    public static IConveyBuilder AddConnectionInspector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TFactory>(this IConveyBuilder builder)
        where TFactory : class, IConnectionInspectorFactory
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IConnectionInspectorFactory, TFactory>();
        return builder;
    }
}
