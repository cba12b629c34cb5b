using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using dotnet_etcd;
using Grpc.Net.Client;

namespace Convey.Etcd;

/// <summary>
/// Builds the dotnet-etcd client for <see cref="EtcdConfigOptions"/>: one gRPC channel over every endpoint (round
/// robin, so a member that is down is skipped), TLS with the given trust and client certificate, etcd's token
/// authentication, and the connection timings that make an outage short: HTTP/2 pings notice a silent peer within
/// about 15 s, and reconnection is tried at least every <see cref="EtcdConfigOptions.MaxRetryDelay"/> (gRPC's own
/// default backs off to two minutes, which would delay the catch-up after etcd returns).
/// </summary>
internal static class EtcdClientFactory
{
    // etcd refuses pings more often than every 5 s (--grpc-keepalive-min-time) with a GOAWAY.
    private static readonly TimeSpan PingDelay = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(5);

    public static EtcdClient Create(EtcdConfigOptions options)
    {
        var scheme = options.UseTls ? "https://" : "http://";
        var connectionString = string.Join(',', options.Endpoints.Select(e => scheme + e));
        var ssl = options.UseTls ? SslOptions(options) : null;
        void ConfigureChannel(GrpcChannelOptions channel)
        {
            channel.HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = options.RequestTimeout,
                KeepAlivePingDelay = PingDelay,
                KeepAlivePingTimeout = PingTimeout,
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                SslOptions = ssl ?? new SslClientAuthenticationOptions(),
            };
            channel.InitialReconnectBackoff = TimeSpan.FromMilliseconds(Math.Min(200, options.MaxRetryDelay.TotalMilliseconds));
            channel.MaxReconnectBackoff = options.MaxRetryDelay;
        }

        var client = ssl is null
            ? new EtcdClient(connectionString, configureChannelOptions: ConfigureChannel)
            : new EtcdClient(connectionString, configureSslOptions: target => Copy(ssl, target), configureChannelOptions: ConfigureChannel);
        if (!string.IsNullOrEmpty(options.Username))
        {
            client.SetCredentials(options.Username, options.Password!);
        }

        return client;
    }

    private static SslClientAuthenticationOptions SslOptions(EtcdConfigOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.ClientCertificateFile is { } certificate)
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificate, options.ClientKeyFile)];
        }

        if (options.TrustedCaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            ssl.CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            ssl.CertificateChainPolicy.CustomTrustStore.AddRange(roots);
        }

        return ssl;
    }

    private static void Copy(SslClientAuthenticationOptions from, SslClientAuthenticationOptions to)
    {
        to.ClientCertificates = from.ClientCertificates;
        to.CertificateChainPolicy = from.CertificateChainPolicy;
    }
}
