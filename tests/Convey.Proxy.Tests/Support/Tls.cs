using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Convey.Proxy.Tests.Support;

/// <summary>Real TLS on loopback (.NET's SslStream over the system's OpenSSL): servers, clients and their ClientHellos.</summary>
internal static class Tls
{
    private static readonly Lazy<X509Certificate2> Certificate = new(CreateCertificate);

    /// <summary>A TLS server that completes the handshake, sends <paramref name="name"/> and closes.</summary>
    public static TestServer Server(string name) => TestServer.Start(async socket =>
    {
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsServerAsync(Certificate.Value);
        await tls.WriteAsync(Encoding.ASCII.GetBytes(name));
        await tls.ShutdownAsync();
    });

    /// <summary>Connects to <paramref name="endPoint"/> as a TLS client asking for <paramref name="host"/>, and reads what the server says.</summary>
    public static async Task<string> AskAsync(IPEndPoint endPoint, string host)
    {
        using var socket = await Loopback.ConnectAsync(endPoint);
        return await AskAsync(socket, host);
    }

    /// <summary>A TLS client on a connected socket: the handshake for <paramref name="host"/>, then the server's words.</summary>
    public static async Task<string> AskAsync(Socket socket, string host)
    {
        using var timeout = new CancellationTokenSource(Eventually.Patience);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, timeout.Token);
        using var reply = new MemoryStream();
        await tls.CopyToAsync(reply, timeout.Token);
        return Encoding.ASCII.GetString(reply.ToArray());
    }

    /// <summary>The TLS records of the ClientHello a .NET client sends for <paramref name="host"/> (no SNI for an IP address).</summary>
    public static async Task<byte[]> CaptureClientHelloAsync(string host)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = await Loopback.ConnectAsync((IPEndPoint)listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var tls = new SslStream(new NetworkStream(client, ownsSocket: false), leaveInnerStreamOpen: false, (_, _, _, _) => true);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host });
        var header = await Loopback.ReadExactlyAsync(server, 5);
        var body = await Loopback.ReadExactlyAsync(server, (header[3] << 8) | header[4]);
        server.Close();
        client.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await tls.DisposeAsync();
        return [.. header, .. body];
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=convey-test", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
