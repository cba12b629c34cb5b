using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Convey.Proxy.Inspection.Sni;

namespace Convey.Benchmarks.Inspection;

/// <summary>
/// The SNI path of one connection without its sockets: parsing a real ClientHello (.NET's, through OpenSSL) and
/// looking its name up in a routing table, whole and byte by byte as a ClientHello split in segments is parsed
/// again on each arrival. The allocated column must read "-": the parser and the lookup allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class ClientHelloBenchmarks
{
    private readonly byte[] _name = new byte[ClientHelloParser.NameBufferLength];
    private byte[] _hello = [];
    private SniRoutes _routes = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _hello = await CaptureAsync("shop.eu.example.com");
        _routes = new SniRoutes(
            Enumerable.Range(0, 100).Select(i => new KeyValuePair<string, string>($"host{i}.example.com", $"pool{i}"))
                .Append(new("*.example.com", "web"))
                .Append(new("*.eu.example.com", "eu")));
    }

    [Benchmark]
    public int ParseWholeClientHello()
    {
        ClientHelloParser.TryParse(_hello, _name, out var length);
        return length;
    }

    [Benchmark]
    public string? ParseAndRoute()
    {
        return ClientHelloParser.TryParse(_hello, _name, out var length) == ClientHelloStatus.Complete
            ? _routes.Find(_name.AsSpan(0, length))
            : null;
    }

    /// <summary>The ClientHello arriving in 64-byte segments: parsed again on each, as the inspector does.</summary>
    [Benchmark]
    public int ParseIn64ByteSegments()
    {
        var length = 0;
        for (var end = 64; ; end += 64)
        {
            if (ClientHelloParser.TryParse(_hello.AsSpan(0, Math.Min(end, _hello.Length)), _name, out length) != ClientHelloStatus.Incomplete)
            {
                return length;
            }
        }
    }

    private static async Task<byte[]> CaptureAsync(string host)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        using var server = await listener.AcceptAsync();
        var tls = new SslStream(new NetworkStream(client), false, (_, _, _, _) => true);
        var handshake = tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host });
        var header = new byte[5];
        await server.ReceiveAsync(header.AsMemory(), SocketFlags.None);
        var body = new byte[(header[3] << 8) | header[4]];
        for (var read = 0; read < body.Length;)
        {
            read += await server.ReceiveAsync(body.AsMemory(read), SocketFlags.None);
        }

        server.Close();
        client.Close();
        try
        {
            await handshake;
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            // Expected: the capture ends the handshake.
        }

        return [.. header, .. body];
    }
}
