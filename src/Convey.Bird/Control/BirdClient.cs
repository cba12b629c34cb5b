namespace Convey.Bird.Control;

/// <summary>
/// Commands to one BIRD protocol over BIRD's control socket, on one session kept open between commands and opened
/// again after it breaks (BIRD restarted). Each command has a deadline. Not thread-safe: one caller at a time.
/// </summary>
/// <param name="socketPath">BIRD's control socket (<c>bird -s</c>).</param>
/// <param name="timeout">How long one command may take, connecting included.</param>
internal sealed class BirdClient(string socketPath, TimeSpan timeout) : IAsyncDisposable
{
    private BirdControlConnection? _connection;

    /// <summary>BIRD's control socket.</summary>
    public string SocketPath { get; } = socketPath;

    /// <summary>The protocol's row of <c>show protocols</c>.</summary>
    /// <exception cref="BirdException">BIRD cannot be reached, or refused the command (no such protocol).</exception>
    public async Task<BirdProtocolStatus> ShowAsync(string protocol, CancellationToken cancellationToken)
    {
        var reply = await SendAsync($"show protocols {Quote(protocol)}", cancellationToken).ConfigureAwait(false);
        return BirdProtocolStatus.Find(reply, protocol)
            ?? throw new BirdException($"BIRD lists no protocol '{protocol}': {reply.Text}", reply);
    }

    /// <summary>Enables the protocol; the reply is <c>0011 enabled</c> or <c>0010 already enabled</c>.</summary>
    /// <exception cref="BirdException">BIRD cannot be reached, or refused the command.</exception>
    public Task<BirdReply> EnableAsync(string protocol, CancellationToken cancellationToken) =>
        SendCheckedAsync($"enable {Quote(protocol)}", cancellationToken);

    /// <summary>Disables the protocol; the reply is <c>0009 disabled</c> or <c>0008 already disabled</c>.</summary>
    /// <exception cref="BirdException">BIRD cannot be reached, or refused the command.</exception>
    public Task<BirdReply> DisableAsync(string protocol, CancellationToken cancellationToken) =>
        SendCheckedAsync($"disable {Quote(protocol)}", cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<BirdReply> SendCheckedAsync(string command, CancellationToken cancellationToken)
    {
        var reply = await SendAsync(command, cancellationToken).ConfigureAwait(false);
        return reply.IsError ? throw new BirdException($"BIRD refused '{command}': {reply.Text}", reply) : reply;
    }

    private async Task<BirdReply> SendAsync(string command, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            _connection ??= await BirdControlConnection.OpenAsync(SocketPath, deadline.Token).ConfigureAwait(false);
            return await _connection.SendAsync(command, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeAsync().ConfigureAwait(false);
            throw new BirdException($"BIRD did not answer '{command}' on {SocketPath} within {timeout.TotalSeconds:0.#} s");
        }
        catch
        {
            // A session in an unknown state (half a reply read) is not reused.
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Protocol names are BIRD symbols (checked with the configuration); quoted, an unknown one is "No protocols match", not a syntax error.</summary>
    private static string Quote(string protocol) => $"\"{protocol}\"";
}
