using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Convey.Etcd.Tests;

/// <summary>
/// A certificate authority made for one test, with a server certificate for 127.0.0.1 and a client certificate, all
/// written as PEM files (the form etcd and Convey's options take) into a temporary directory removed on dispose.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("convey-etcd-tls-");

    // One moment for every validity window: an issued certificate may not outlive its CA, even by a millisecond.
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    public TestCertificates()
    {
        try
        {
            using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var caRequest = new CertificateRequest("CN=Convey test CA", caKey, HashAlgorithmName.SHA256);
            caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            using var ca = caRequest.CreateSelfSigned(_now.AddMinutes(-5), _now.AddDays(1));
            CaFile = Write("ca.pem", ca.ExportCertificatePem());
            (ServerCertificateFile, ServerKeyFile) = Issue(ca, "server", "1.3.6.1.5.5.7.3.1");
            (ClientCertificateFile, ClientKeyFile) = Issue(ca, "client", "1.3.6.1.5.5.7.3.2");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string CaFile { get; }

    public string ServerCertificateFile { get; }

    public string ServerKeyFile { get; }

    public string ClientCertificateFile { get; }

    public string ClientKeyFile { get; }

    /// <summary>etcd's arguments for TLS with client certificates required.</summary>
    public string[] EtcdArguments =>
    [
        $"--cert-file={ServerCertificateFile}", $"--key-file={ServerKeyFile}",
        $"--trusted-ca-file={CaFile}", "--client-cert-auth",
    ];

    public void Dispose() => _folder.Delete(recursive: true);

    private (string Certificate, string Key) Issue(X509Certificate2 ca, string name, string usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=convey-test-{name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var certificate = request.Create(ca, _now.AddMinutes(-5), _now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return (Write($"{name}.pem", certificate.ExportCertificatePem()), Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem()));
    }

    private string Write(string name, string pem)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
