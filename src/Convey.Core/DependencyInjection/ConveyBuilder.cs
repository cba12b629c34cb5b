using Microsoft.Extensions.DependencyInjection;

namespace Convey.DependencyInjection;

internal sealed class ConveyBuilder(IServiceCollection services) : IConveyBuilder
{
    public IServiceCollection Services { get; } = services;
}
