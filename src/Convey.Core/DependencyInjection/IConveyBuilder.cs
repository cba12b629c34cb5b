using Microsoft.Extensions.DependencyInjection;

namespace Convey.DependencyInjection;

/// <summary>Configures Convey's services; returned by <c>AddConvey()</c> and <c>AddConveyCore()</c>.</summary>
public interface IConveyBuilder
{
    /// <summary>The service collection Convey registers into.</summary>
    IServiceCollection Services { get; }
}
