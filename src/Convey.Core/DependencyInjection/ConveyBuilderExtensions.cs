using System.Diagnostics.CodeAnalysis;
using Convey.Balancing;
using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Forwarding;
using Convey.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The steps of <see cref="IConveyBuilder"/>: where configuration comes from, and which parts to replace.</summary>
public static class ConveyBuilderExtensions
{
    /// <summary>
    /// Reads configuration from a TOML file and reloads it when the file changes (see <see cref="TomlFileConfigSource"/>);
    /// the source uses the registered <see cref="TimeProvider"/> and logging.
    /// </summary>
    public static IConveyBuilder AddTomlFile(this IConveyBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        builder.Services.AddSingleton(sp => new TomlFileConfigSource(
            path,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<TomlFileConfigSource>>() ?? NullLogger<TomlFileConfigSource>.Instance));
        builder.Services.AddSingleton<IConfigSource>(sp => sp.GetRequiredService<TomlFileConfigSource>());
        return builder;
    }

    /// <summary>
    /// Reads configuration from an <see cref="IConfiguration"/> section, usually
    /// <c>builder.Configuration.GetSection("Convey")</c> (appsettings.json, environment variables, any provider), with the
    /// keys of the TOML file (<c>frontends:web:listen_addr</c>, <c>backends:pool:servers:a:addr</c>, ...), and reloads
    /// it when the section's keys change through the configuration's reload token (appsettings.json with
    /// <c>reloadOnChange</c>). Each change is validated as a whole and applied, or refused with every error at its
    /// configuration path (<c>Convey:backends:pool:servers:a:addr</c>) while the last good configuration stays.
    /// </summary>
    public static IConveyBuilder AddConfiguration(this IConveyBuilder builder, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(section);
        builder.Services.AddSingleton<IConfigSource>(sp => new ConfigurationConfigSource(
            section,
            sp.GetService<ILogger<ConfigurationConfigSource>>() ?? NullLogger<ConfigurationConfigSource>.Instance));
        return builder;
    }

    /// <summary>Uses a configuration built in code; keep the returned source's owner to update it later.</summary>
    public static IConveyBuilder AddInMemoryConfig(this IConveyBuilder builder, ConveyConfig config)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(new InMemoryConfigSource(config));
        builder.Services.AddSingleton<IConfigSource>(sp => sp.GetRequiredService<InMemoryConfigSource>());
        return builder;
    }

    /// <summary>Uses a configuration source of the application's own.</summary>
    public static IConveyBuilder AddConfigSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this IConveyBuilder builder)
        where TSource : class, IConfigSource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IConfigSource, TSource>();
        return builder;
    }

    /// <summary>Makes a balancing policy available as <c>balance = "<paramref name="name"/>"</c>; one instance is created per pool.</summary>
    public static IConveyBuilder AddSelector<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSelector>(this IConveyBuilder builder, string name)
        where TSelector : class, IBackendSelector
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.AddSingleton(new BackendSelectorRegistration(name, sp => ActivatorUtilities.CreateInstance<TSelector>(sp)));
        return builder;
    }

    /// <summary>Replaces the health probe (the default opens a TCP connection).</summary>
    public static IConveyBuilder AddHealthProbe<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TProbe>(this IConveyBuilder builder)
        where TProbe : class, IHealthProbe
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IHealthProbe, TProbe>();
        return builder;
    }

    /// <summary>
    /// Adds an owner of settings beyond Core's own (keys of frontends or pools, or top-level tables): its keys are
    /// accepted, and it checks them with every configuration before it is applied. Engines need not be added here.
    /// </summary>
    public static IConveyBuilder AddSettingsOwner<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TOwner>(this IConveyBuilder builder)
        where TOwner : class, IConfigSettingsOwner
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigSettingsOwner, TOwner>());
        return builder;
    }

    /// <summary>Adds a forwarding engine; engines are told about every frontend and serve the modes they claim.</summary>
    public static IConveyBuilder AddForwardingEngine<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TEngine>(this IConveyBuilder builder)
        where TEngine : class, IForwardingEngine
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IForwardingEngine, TEngine>());
        return builder;
    }
}
