using Convey.Configuration;
using Convey.DependencyInjection;
using Convey.Etcd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Reads Convey's configuration from etcd.</summary>
public static class EtcdConveyBuilderExtensions
{
    /// <summary>
    /// Reads the configuration from the TOML document under an etcd key, named by a URL:
    /// <c>etcd://host:port[,host:port...]/key</c>, or <c>etcds://</c> for TLS. Each new revision of the key is
    /// validated and applied like a file reload; during an etcd outage the configuration in force stays, and the key is
    /// read again when etcd answers. TLS files and credentials are set in <paramref name="configure"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The URL or the options are not usable; the message says why.</exception>
    public static IConveyBuilder AddEtcdConfig(this IConveyBuilder builder, string uri, Action<EtcdConfigOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        var options = new EtcdConfigOptions();
        if (EtcdUri.TryApply(uri, options) is { } error)
        {
            throw new ArgumentException(error, nameof(uri));
        }

        configure?.Invoke(options);
        return builder.AddEtcdConfig(options);
    }

    /// <summary>Reads the configuration from the TOML document under an etcd key, with options set in code (see the URL overload).</summary>
    /// <exception cref="ArgumentException">The options are not usable; the message says why.</exception>
    public static IConveyBuilder AddEtcdConfig(this IConveyBuilder builder, Action<EtcdConfigOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new EtcdConfigOptions();
        configure(options);
        return builder.AddEtcdConfig(options);
    }

    private static IConveyBuilder AddEtcdConfig(this IConveyBuilder builder, EtcdConfigOptions options)
    {
        // Checked now, so a mistake fails where the application is composed rather than at start.
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"The etcd configuration source cannot be used: {string.Join(" ", errors)}", nameof(options));
        }

        builder.Services.AddSingleton(sp => new EtcdConfigSource(
            options,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILogger<EtcdConfigSource>>() ?? NullLogger<EtcdConfigSource>.Instance));
        builder.Services.AddSingleton<IConfigSource>(sp => sp.GetRequiredService<EtcdConfigSource>());
        return builder;
    }
}
