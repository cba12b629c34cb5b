using Convey.Etcd;

namespace Convey.Etcd.Tests;

public class EtcdUriTests
{
    [Theory]
    [InlineData("etcd://127.0.0.1:2379/convey/config", false, "convey/config", "127.0.0.1:2379")]
    [InlineData("ETCD://127.0.0.1:2379//convey/config", false, "/convey/config", "127.0.0.1:2379")]
    [InlineData("etcds://etcd.example:2379/convey", true, "convey", "etcd.example:2379")]
    [InlineData("etcd://127.0.0.1/convey%20config", false, "convey config", "127.0.0.1:2379")]
    [InlineData("etcd://[::1]:12379/k", false, "k", "[::1]:12379")]
    public void A_url_names_the_endpoints_the_key_and_whether_to_use_tls(string uri, bool tls, string key, string endpoint)
    {
        var options = new EtcdConfigOptions();

        Assert.Null(EtcdUri.TryApply(uri, options));

        Assert.Equal(tls, options.UseTls);
        Assert.Equal(key, options.Key);
        Assert.Equal(endpoint, Assert.Single(options.Endpoints));
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void A_url_can_name_every_member_of_a_cluster()
    {
        var options = new EtcdConfigOptions();

        Assert.Null(EtcdUri.TryApply("etcd://10.0.0.1:2379,10.0.0.2,10.0.0.3:2379/convey/config", options));

        Assert.Equal(["10.0.0.1:2379", "10.0.0.2:2379", "10.0.0.3:2379"], options.Endpoints);
        Assert.Equal("etcd://10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379/convey/config", options.SourceName);
    }

    [Theory]
    [InlineData("http://127.0.0.1:2379/k", "is not an etcd URL")]
    [InlineData("etcd://127.0.0.1:2379", "names no key")]
    [InlineData("etcd://127.0.0.1:2379/", "names no key")]
    [InlineData("etcd:///convey", "names no etcd endpoint")]
    [InlineData("etcd://root:secret@127.0.0.1:2379/k", "credentials")]
    [InlineData("etcd://127.0.0.1:99999/k", "no valid port")]
    [InlineData("etcd://127.0.0.1:x/k", "no valid port")]
    [InlineData("etcd://::1:2379/k", "no valid host")]
    public void A_bad_url_is_refused_with_what_is_wrong_and_an_example(string uri, string problem)
    {
        var error = EtcdUri.TryApply(uri, new EtcdConfigOptions());

        Assert.NotNull(error);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_that_cannot_work_are_refused_with_how_to_fix_each()
    {
        var options = new EtcdConfigOptions { Key = "k", TrustedCaFile = "/nonexistent/ca.pem", ClientCertificateFile = "/nonexistent/c.pem", Username = "convey" };
        options.Endpoints.Add("127.0.0.1:2379");

        var errors = options.Validate();

        Assert.Contains(errors, e => e.Contains("TLS is off", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("both its certificate file and its key file", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("/nonexistent/ca.pem does not exist", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("both a user name and a password", StringComparison.Ordinal));
    }
}
