using Convey.Etcd;
using Convey.Host.Hosting;

namespace Convey.Host.Tests.Hosting;

public class EtcdEnvironmentTests
{
    [Fact]
    public void Credentials_and_tls_files_come_from_the_convey_etcd_variables()
    {
        var environment = new Dictionary<string, string>
        {
            ["CONVEY_ETCD_USER"] = "convey",
            ["CONVEY_ETCD_PASSWORD"] = "secret",
            ["CONVEY_ETCD_CACERT"] = "/etc/convey/etcd-ca.pem",
            ["CONVEY_ETCD_CERT"] = "/etc/convey/client.pem",
            ["CONVEY_ETCD_KEY"] = "/etc/convey/client-key.pem",
        };
        var options = new EtcdConfigOptions();

        EtcdEnvironment.Apply(options, name => environment.GetValueOrDefault(name));

        Assert.Equal("convey", options.Username);
        Assert.Equal("secret", options.Password);
        Assert.Equal("/etc/convey/etcd-ca.pem", options.TrustedCaFile);
        Assert.Equal("/etc/convey/client.pem", options.ClientCertificateFile);
        Assert.Equal("/etc/convey/client-key.pem", options.ClientKeyFile);
    }

    [Fact]
    public void An_empty_variable_counts_as_unset()
    {
        var options = new EtcdConfigOptions();

        EtcdEnvironment.Apply(options, name => name == "CONVEY_ETCD_USER" ? "" : null);

        Assert.Null(options.Username);
        Assert.Null(options.TrustedCaFile);
    }
}
