using System.Net.Sockets;
using System.Text;
using Convey.Bird.Control;

namespace Convey.Bird.Tests.Control;

/// <summary>The client against a peer on a Unix socket that writes what a test gives it: BIRD's replies, or nonsense.</summary>
public sealed class BirdControlConnectionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("convey-bird-peer-").FullName;

    private string SocketPath => Path.Combine(_folder, "peer.ctl");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_reply_with_headings_rows_and_continuation_lines_is_read_whole()
    {
        using var peer = Serve("0001 BIRD 2.0.12 ready.\n", "2002-Name Proto Table State Since Info\n1002-vip Static master4 up 10:00:00.000\n1006-  Channel ipv4\n     State: UP\n0000 \n");
        await using var connection = await BirdControlConnection.OpenAsync(SocketPath, default);

        var reply = await connection.SendAsync("show protocols all \"vip\"", default);

        Assert.Equal("0001 BIRD 2.0.12 ready.", connection.Welcome);
        Assert.Equal(0, reply.Code);
        Assert.Equal(5, reply.Lines.Count);
        Assert.Equal("up", BirdProtocolStatus.Find(reply, "vip")!.State);
        Assert.Equal(["  Channel ipv4", "    State: UP"], reply.Rows(1006));
    }

    [Fact]
    public async Task A_peer_that_does_not_greet_as_BIRD_is_refused()
    {
        using var peer = Serve("HTTP/1.1 400 Bad Request\n");

        var error = await Assert.ThrowsAsync<BirdException>(() => BirdControlConnection.OpenAsync(SocketPath, default));

        Assert.Contains("not part of a BIRD reply", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_line_without_end_is_refused_once_it_passes_16_KiB_instead_of_being_buffered()
    {
        using var peer = Serve("0001 BIRD ready.\n", "1002-" + new string('x', 40_000));
        await using var connection = await BirdControlConnection.OpenAsync(SocketPath, default);

        var error = await Assert.ThrowsAsync<BirdException>(() => connection.SendAsync("show protocols", default));

        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peer_that_closes_mid_reply_is_an_error_saying_BIRD_closed_its_socket()
    {
        using var peer = Serve("0001 BIRD ready.\n", "1002-vip Static master4 up\n");
        await using var connection = await BirdControlConnection.OpenAsync(SocketPath, default);

        var error = await Assert.ThrowsAsync<BirdException>(() => connection.SendAsync("show protocols", default));

        Assert.Contains("closed its control socket", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_of_more_than_one_line_is_not_sent()
    {
        using var peer = Serve("0001 BIRD ready.\n");
        await using var connection = await BirdControlConnection.OpenAsync(SocketPath, default);

        await Assert.ThrowsAsync<ArgumentException>(() => connection.SendAsync("disable \"vip\"\nenable all", default));
    }

    /// <summary>Accepts one client and writes the greeting; after the first command line, writes the reply (if any) and closes.</summary>
    private Peer Serve(string greeting, string? reply = null)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        listener.Listen(1);
        var serving = Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var client = await listener.AcceptAsync(timeout.Token);
            await client.SendAsync(Encoding.ASCII.GetBytes(greeting), timeout.Token);
            var buffer = new byte[256];
            var received = 0;
            while (received == 0 || buffer[received - 1] != (byte)'\n')
            {
                var read = await client.ReceiveAsync(buffer.AsMemory(received), timeout.Token);
                if (read == 0)
                {
                    return;
                }

                received += read;
            }

            if (reply is not null)
            {
                await client.SendAsync(Encoding.ASCII.GetBytes(reply), timeout.Token);
                client.Shutdown(SocketShutdown.Send);
            }
        });
        return new Peer(listener, serving);
    }

    private sealed record Peer(Socket Listener, Task Serving) : IDisposable
    {
        public void Dispose() => Listener.Dispose();
    }
}
