using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Convey.Configuration;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;

namespace Convey.Etcd.Tests;

/// <summary>The etcd source against an etcd that requires TLS with client certificates, or authentication.</summary>
public sealed class EtcdSecurityTests
{
    private const string Key = "convey/config";

    [SkippableFact]
    public async Task Over_tls_the_server_is_checked_against_the_given_ca_and_the_client_certificate_is_presented()
    {
        using var certificates = new TestCertificates();
        await using var etcd = await EtcdServer.StartAsync(certificates.EtcdArguments, endpoint => TlsClient(endpoint, certificates));
        var first = await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));

        await using var convey = await EtcdConvey.StartAsync($"etcds://{etcd.Endpoint}/{Key}", o =>
        {
            o.TrustedCaFile = certificates.CaFile;
            o.ClientCertificateFile = certificates.ClientCertificateFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
        });

        Assert.Equal(first, convey.Config.Revision);
        Assert.StartsWith($"etcds://{etcd.Endpoint}/{Key}", convey.Config.Source, StringComparison.Ordinal);
        var next = await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8081"));
        await convey.AppliedAsync(next);
    }

    [SkippableFact]
    public async Task Over_tls_a_server_certificate_the_given_ca_did_not_sign_is_refused()
    {
        using var certificates = new TestCertificates();
        using var otherCa = new TestCertificates();
        await using var etcd = await EtcdServer.StartAsync(certificates.EtcdArguments, endpoint => TlsClient(endpoint, certificates));
        await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));

        var error = await Assert.ThrowsAsync<ConfigException>(() => EtcdConvey.StartAsync($"etcds://{etcd.Endpoint}/{Key}", o =>
        {
            o.TrustedCaFile = otherCa.CaFile;
            o.ClientCertificateFile = certificates.ClientCertificateFile;
            o.ClientKeyFile = certificates.ClientKeyFile;
            o.RequestTimeout = TimeSpan.FromSeconds(2);
        }));

        Assert.Contains($"the TLS handshake with etcd at {etcd.Endpoint} failed", error.Message, StringComparison.Ordinal);
        Assert.Contains("check that the CA file is the one that signed etcd's certificate", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task With_authentication_the_key_is_read_and_followed_as_the_given_user()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await EnableAuthenticationAsync(etcd);
        var first = await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));

        await using var convey = await EtcdConvey.StartAsync($"etcd://{etcd.Endpoint}/{Key}", o =>
        {
            o.Username = "convey";
            o.Password = "convey-password";
        });

        Assert.Equal(first, convey.Config.Revision);
        var next = await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8081"));
        await convey.AppliedAsync(next);
    }

    [SkippableFact]
    public async Task With_authentication_a_wrong_password_or_no_user_is_refused_at_start_with_what_to_check()
    {
        await using var etcd = await EtcdServer.StartAsync();
        await EnableAuthenticationAsync(etcd);
        await etcd.PutAsync(Key, EtcdConvey.Toml("127.0.0.1:8080"));

        var wrong = await Assert.ThrowsAsync<ConfigException>(() => EtcdConvey.StartAsync($"etcd://{etcd.Endpoint}/{Key}", o =>
        {
            o.Username = "convey";
            o.Password = "not-the-password";
        }));
        var anonymous = await Assert.ThrowsAsync<ConfigException>(() => EtcdConvey.StartAsync($"etcd://{etcd.Endpoint}/{Key}"));

        Assert.Contains("user 'convey'", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("check the user name and password", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("give an etcd user and password", anonymous.Message, StringComparison.Ordinal);
    }

    private static EtcdClient TlsClient(string endpoint, TestCertificates certificates) =>
        new("https://" + endpoint, ssl =>
        {
            ssl.ClientCertificates = [X509Certificate2.CreateFromPemFile(certificates.ClientCertificateFile, certificates.ClientKeyFile)];
            ssl.CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            ssl.CertificateChainPolicy.CustomTrustStore.ImportFromPemFile(certificates.CaFile);
        }, configureChannelOptions: EtcdServer.FastReconnect);

    /// <summary>Users root (every right; the test's client logs in as it) and convey (may read the key), then authentication on.</summary>
    private static async Task EnableAuthenticationAsync(EtcdServer etcd)
    {
        var client = etcd.Client;
        await client.UserAddAsync(new AuthUserAddRequest { Name = "root", Password = "root-password" });
        await client.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "root", Role = "root" });
        await client.RoleAddAsync(new AuthRoleAddRequest { Name = "convey-reader" });
        await client.RoleGrantPermissionAsync(new AuthRoleGrantPermissionRequest
        {
            Name = "convey-reader",
            Perm = new Authpb.Permission { PermType = Authpb.Permission.Types.Type.Read, Key = ByteString.CopyFromUtf8(Key) },
        });
        await client.UserAddAsync(new AuthUserAddRequest { Name = "convey", Password = "convey-password" });
        await client.UserGrantRoleAsync(new AuthUserGrantRoleRequest { User = "convey", Role = "convey-reader" });
        await client.AuthEnableAsync(new AuthEnableRequest());
        client.SetCredentials("root", "root-password");
    }
}
