using System.Net.Sockets;
using System.Text;

namespace Convey.Bird.Control;

/// <summary>
/// One session on BIRD's control socket (the text protocol <c>birdc</c> speaks): opens it, reads BIRD's welcome
/// (<c>0001 BIRD 2.x ready.</c>), then sends one command at a time and reads its whole reply. Replies are bounded
/// (line length, line count), so a confused peer cannot make it hold unbounded memory.
/// </summary>
internal sealed class BirdControlConnection : IAsyncDisposable
{
    private const int MaxLineLength = 16 * 1024;
    private const int MaxReplyLines = 10_000;
    private readonly Socket _socket;
    private readonly string _path;
    private readonly byte[] _buffer = new byte[MaxLineLength];
    private int _start;
    private int _end;

    private BirdControlConnection(Socket socket, string path)
    {
        _socket = socket;
        _path = path;
    }

    /// <summary>BIRD's welcome line, with its version (for example <c>0001 BIRD 2.0.12 ready.</c>).</summary>
    public string Welcome { get; private set; } = "";

    /// <summary>Connects to the control socket at <paramref name="path"/> and reads BIRD's welcome.</summary>
    /// <exception cref="BirdException">The socket cannot be reached or BIRD does not greet.</exception>
    public static async Task<BirdControlConnection> OpenAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var connection = new BirdControlConnection(socket, path);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            var welcome = await connection.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            if (welcome.Code != 1)
            {
                throw new BirdException($"{path} did not greet as BIRD does (0001 ... ready.): {welcome.Text}");
            }

            connection.Welcome = welcome.Text;
            return connection;
        }
        catch (SocketException ex)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new BirdException($"cannot connect to BIRD's control socket {path}: {ex.Message} (is BIRD running, with -s {path}?)", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <paramref name="command"/> (one line) and returns BIRD's whole reply, an error reply included.</summary>
    /// <exception cref="BirdException">The session broke or BIRD wrote something that is not a reply.</exception>
    public async Task<BirdReply> SendAsync(string command, CancellationToken cancellationToken)
    {
        if (command.Contains('\n', StringComparison.Ordinal) || command.Contains('\r', StringComparison.Ordinal))
        {
            throw new ArgumentException("A BIRD command is one line.", nameof(command));
        }

        try
        {
            var bytes = Encoding.ASCII.GetBytes(command + "\n");
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SocketException ex)
        {
            throw new BirdException($"BIRD's control socket {_path} closed while sending '{command}': {ex.Message}", ex);
        }

        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<BirdReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            lines.Add(line);
            if (BirdReplyLine.TryParse(line, out var code, out var last, out _))
            {
                if (last)
                {
                    return new BirdReply(code, lines);
                }
            }
            else if (!line.StartsWith(' ') || lines.Count == 1)
            {
                throw new BirdException($"{_path} wrote a line that is not part of a BIRD reply: \"{Shorten(line)}\"");
            }

            if (lines.Count >= MaxReplyLines)
            {
                throw new BirdException($"{_path} wrote a reply of more than {MaxReplyLines} lines");
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                return line;
            }

            Compact();
            if (_end == _buffer.Length)
            {
                throw new BirdException($"{_path} wrote a line longer than {MaxLineLength} bytes");
            }

            int read;
            try
            {
                read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                throw new BirdException($"BIRD's control socket {_path} failed: {ex.Message}", ex);
            }

            if (read == 0)
            {
                throw new BirdException($"BIRD closed its control socket {_path} (BIRD stopped or restarted)");
            }

            _end += read;
        }
    }

    /// <summary>Moves the unread bytes to the front of the buffer.</summary>
    private void Compact()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "...";
}
