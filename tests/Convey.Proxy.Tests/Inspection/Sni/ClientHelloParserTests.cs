using System.Diagnostics;
using System.Text;
using Convey.Proxy.Inspection.Sni;
using Convey.Proxy.Tests.Support;

namespace Convey.Proxy.Tests.Inspection.Sni;

public class ClientHelloParserTests
{
    [Theory]
    [InlineData("api.example.com", "api.example.com")]
    [InlineData("Mixed.Case.Example.COM", "mixed.case.example.com")]
    [InlineData("localhost", "localhost")]
    public async Task Finds_the_server_name_of_a_real_ClientHello_in_lower_case(string host, string expected)
    {
        var hello = await Tls.CaptureClientHelloAsync(host);

        Assert.Equal((ClientHelloStatus.Complete, expected), Parse(hello));
    }

    [Fact]
    public async Task A_ClientHello_without_a_server_name_is_complete_with_none()
    {
        var hello = await Tls.CaptureClientHelloAsync("127.0.0.1");

        Assert.Equal((ClientHelloStatus.Complete, ""), Parse(hello));
    }

    [Fact]
    public async Task Every_prefix_of_a_ClientHello_is_incomplete_until_the_name_has_arrived()
    {
        var hello = await Tls.CaptureClientHelloAsync("split.example.com");
        var decided = Enumerable.Range(0, hello.Length + 1).First(n => Parse(hello[..n]).Status != ClientHelloStatus.Incomplete);

        Assert.Equal((ClientHelloStatus.Complete, "split.example.com"), Parse(hello[..decided]));
        Assert.All(Enumerable.Range(decided, hello.Length - decided + 1), n => Assert.Equal((ClientHelloStatus.Complete, "split.example.com"), Parse(hello[..n])));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(16384)]
    public async Task A_ClientHello_spread_over_several_records_is_read_across_them(int recordSize)
    {
        var hello = ClientHellos.InRecords(ClientHellos.Message(await Tls.CaptureClientHelloAsync("records.example.com")), recordSize);

        Assert.Equal((ClientHelloStatus.Complete, "records.example.com"), Parse(hello));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("SSH-2.0-OpenSSH\r\n")]
    [InlineData("\u0016\u0002")]
    [InlineData("\u0017\u0003\u0003\u0000\u0010")]
    public void Bytes_that_cannot_begin_a_ClientHello_are_invalid_at_once(string start)
    {
        Assert.Equal(ClientHelloStatus.Invalid, Parse(Encoding.Latin1.GetBytes(start)).Status);
        Assert.Equal(ClientHelloStatus.Invalid, Parse(Encoding.Latin1.GetBytes(start)[..2]).Status);
    }

    [Fact]
    public async Task A_handshake_that_is_not_a_ClientHello_is_invalid()
    {
        var hello = await Tls.CaptureClientHelloAsync("example.com");
        hello[5] = 2; // ServerHello

        Assert.Equal(ClientHelloStatus.Invalid, Parse(hello).Status);
    }

    [Fact]
    public async Task A_server_name_with_bytes_no_host_name_has_is_invalid()
    {
        var hello = await Tls.CaptureClientHelloAsync("bad.example.com");
        var at = hello.AsSpan().IndexOf("bad.example.com"u8);
        hello[at + 3] = (byte)' ';

        Assert.Equal(ClientHelloStatus.Invalid, Parse(hello).Status);
    }

    /// <summary>
    /// 200,000 mutated and truncated ClientHellos (a few seconds; a minute at most on a loaded machine): the parser
    /// never throws, every name it finds is a lower-case host name, and it decides on a prefix either nothing yet or
    /// what it decides on the whole.
    /// </summary>
    [Fact]
    public async Task Fuzzed_ClientHellos_never_break_the_parser_and_prefixes_agree_with_the_whole()
    {
        var seeds = new List<byte[]>();
        foreach (var host in new[] { "fuzz.example.com", "a.b", "127.0.0.1", new string('x', 63) + ".example.org" })
        {
            var hello = await Tls.CaptureClientHelloAsync(host);
            seeds.Add(hello);
            seeds.Add(ClientHellos.InRecords(ClientHellos.Message(hello), 50));
        }

        var random = new Random(1313);
        var budget = Stopwatch.StartNew();
        var cases = 0;
        var complete = 0;
        while (cases < 200_000 && budget.Elapsed < TimeSpan.FromMinutes(1))
        {
            var input = Mutate(seeds[random.Next(seeds.Count)], random);
            var whole = Parse(input);
            if (whole.Status == ClientHelloStatus.Complete)
            {
                complete++;
                Assert.True(whole.Name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or '_'), whole.Name);
            }

            var prefix = Parse(input[..random.Next(input.Length + 1)]);
            Assert.True(prefix.Status == ClientHelloStatus.Incomplete || prefix == whole, $"prefix {prefix} but whole {whole}");
            cases++;
        }

        Assert.True(cases == 200_000, $"only {cases} cases within a minute");
        Assert.True(complete > cases / 100, $"only {complete} of {cases} mutations still parsed: the mutations are too coarse to reach the inner fields");
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToArray();
        switch (random.Next(5))
        {
            case 0:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                break;
            case 1:
                for (var i = random.Next(1, 8); i > 0; i--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 2:
                // A length field's neighbourhood: the first 60 bytes hold the record, handshake and session lengths.
                bytes[random.Next(Math.Min(60, bytes.Length))] = (byte)random.Next(256);
                break;
            case 3:
                return bytes[..random.Next(bytes.Length)];
            default:
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                return [.. bytes, .. extra];
        }

        return bytes;
    }

    private static (ClientHelloStatus Status, string Name) Parse(byte[] data)
    {
        var name = new byte[ClientHelloParser.NameBufferLength];
        var status = ClientHelloParser.TryParse(data, name, out var length);
        return (status, Encoding.ASCII.GetString(name, 0, length));
    }
}
