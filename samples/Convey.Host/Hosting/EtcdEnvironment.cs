using Convey.Etcd;

namespace Convey.Host.Hosting;

/// <summary>
/// The settings of <c>--config etcd://...</c> that do not belong on a command line (every process list shows it):
/// etcd credentials and TLS files, from environment variables (a systemd unit's <c>Environment=</c> or
/// <c>EnvironmentFile=</c>).
/// </summary>
internal static class EtcdEnvironment
{
    public const string User = "CONVEY_ETCD_USER";
    public const string Password = "CONVEY_ETCD_PASSWORD";
    public const string CaCertificate = "CONVEY_ETCD_CACERT";
    public const string Certificate = "CONVEY_ETCD_CERT";
    public const string CertificateKey = "CONVEY_ETCD_KEY";

    /// <summary>Sets what the environment (<paramref name="variable"/> reads it) gives; an empty variable counts as unset.</summary>
    public static void Apply(EtcdConfigOptions options, Func<string, string?> variable)
    {
        options.Username = Value(User) ?? options.Username;
        options.Password = Value(Password) ?? options.Password;
        options.TrustedCaFile = Value(CaCertificate) ?? options.TrustedCaFile;
        options.ClientCertificateFile = Value(Certificate) ?? options.ClientCertificateFile;
        options.ClientKeyFile = Value(CertificateKey) ?? options.ClientKeyFile;

        string? Value(string name) => variable(name) is { Length: > 0 } value ? value : null;
    }

    /// <summary>Sets what the process's environment gives.</summary>
    public static void Apply(EtcdConfigOptions options) => Apply(options, Environment.GetEnvironmentVariable);
}
