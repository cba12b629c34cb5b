using System.Buffers;
using System.IO.Pipelines;
using Convey.Proxy.Transport;

namespace Convey.Proxy.Inspection;

/// <summary>
/// A <see cref="PipeReader"/> over the first bytes of a client connection, read from its <see cref="ProxySocket"/>
/// into one pooled buffer (so every read result is a single span, which the parsers want). It waits with the
/// socket's zero-byte wait, so a client that has sent nothing holds no buffer. Once the inspection deadline passed
/// (<see cref="Expire"/>), a read that needs more bytes returns canceled instead of waiting. The wait under way then
/// stays with the socket (<see cref="PendingWait"/>): the relay awaits it before its own first wait, as a socket has
/// one wait for reading at a time.
/// </summary>
internal sealed class InspectionReader : PipeReader, IDisposable
{
    private const int FirstBufferSize = 4096;
    private readonly ProxySocket _socket;
    private readonly int _limit;
    private byte[]? _buffer;
    private int _consumed;
    private int _examined;
    private int _filled;
    private bool _ended;
    private volatile bool _expired;
    private volatile bool _cancelNext;
    private Task? _wait;
    private TaskCompletionSource? _interrupt;

    public InspectionReader(ProxySocket socket, int limit = ConnectionInspectionContext.MaxInspectedBytes)
    {
        _socket = socket;
        _limit = limit;
    }

    /// <summary>The socket's wait for reading still under way when the inspection ended, or null.</summary>
    public Task? PendingWait => _wait;

    /// <summary>The bytes read and not consumed: they go to the server before the relay.</summary>
    public ReadOnlyMemory<byte> Unconsumed => _buffer is null ? default : _buffer.AsMemory(_consumed, _filled - _consumed);

    /// <summary>Lets the next inspector read from the first unconsumed byte again.</summary>
    public void Rewind() => _examined = _consumed;

    /// <summary>Ends the waiting: every read that needs more bytes returns canceled from now on.</summary>
    public void Expire()
    {
        _expired = true;
        _interrupt?.TrySetResult();
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        var consumedAt = IndexOf(consumed);
        var examinedAt = IndexOf(examined);
        if (consumedAt < _consumed || examinedAt < consumedAt)
        {
            throw new InvalidOperationException("The consumed position must not go back, and the examined one must not be before it.");
        }

        _consumed = consumedAt;
        _examined = Math.Max(_examined, examinedAt);
    }

    public override void CancelPendingRead()
    {
        _cancelNext = true;
        _interrupt?.TrySetResult();
    }

    public override void Complete(Exception? exception = null)
    {
        // The engine owns the bytes (they are forwarded after the inspection); an inspector has nothing to release.
    }

    public override bool TryRead(out ReadResult result)
    {
        if (_filled > _examined || _ended || Full)
        {
            result = Result(canceled: false);
            return true;
        }

        result = default;
        return false;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (TryRead(out var ready))
        {
            return ready;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_cancelNext || _expired)
        {
            _cancelNext = false;
            return Result(canceled: true);
        }

        _wait ??= _socket.WaitReadableAsync().AsTask();
        if (!_wait.IsCompleted)
        {
            _interrupt = new TaskCompletionSource();
            if (_expired || _cancelNext)
            {
                _interrupt.TrySetResult(); // Expired between the check above and now, from another thread.
            }

            using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), _interrupt))
            {
                await Task.WhenAny(_wait, _interrupt.Task).ConfigureAwait(false);
            }

            _interrupt = null;
            if (!_wait.IsCompleted)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _cancelNext = false;
                return Result(canceled: true);
            }
        }

        var wait = _wait;
        _wait = null;
        await wait.ConfigureAwait(false);
        var room = Room();
        var read = await _socket.ReceiveAsync(room).ConfigureAwait(false);
        if (read == 0)
        {
            _ended = true;
        }

        _filled += read;
        return Result(canceled: false);
    }

    /// <summary>Returns the buffer; a wait still under way is left to whoever awaits <see cref="PendingWait"/>, or observed here.</summary>
    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    /// <summary>Observes the failure of a wait nobody will await (the connection closed while it was under way).</summary>
    public static void Forget(Task? wait) =>
        wait?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private bool Full => _filled - _consumed >= _limit;

    private ReadResult Result(bool canceled)
    {
        _examined = Math.Max(_examined, _consumed);
        var sequence = _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _consumed, _filled - _consumed);
        return new ReadResult(sequence, canceled, isCompleted: _ended || Full);
    }

    /// <summary>Free space after the bytes held: the unconsumed bytes move to the front, the buffer doubles up to the limit.</summary>
    private Memory<byte> Room()
    {
        var held = _filled - _consumed;
        if (_buffer is null || _filled == _buffer.Length)
        {
            var size = _buffer is null ? FirstBufferSize : held < _buffer.Length / 2 ? _buffer.Length : Math.Min(_buffer.Length * 2, _limit);
            var next = size == _buffer?.Length ? _buffer : ArrayPool<byte>.Shared.Rent(size);
            if (_buffer is not null)
            {
                _buffer.AsSpan(_consumed, held).CopyTo(next);
                if (!ReferenceEquals(next, _buffer))
                {
                    ArrayPool<byte>.Shared.Return(_buffer);
                }
            }

            _buffer = next;
            _examined -= _consumed;
            _consumed = 0;
            _filled = held;
        }

        return _buffer.AsMemory(_filled, Math.Min(_buffer.Length - _filled, _limit - held));
    }

    private int IndexOf(SequencePosition position)
    {
        var index = position.GetInteger();
        if (_buffer is null)
        {
            return index == 0 ? 0 : throw new ArgumentOutOfRangeException(nameof(position), "The position is outside the last result.");
        }

        if (!ReferenceEquals(position.GetObject(), _buffer))
        {
            throw new InvalidOperationException("The position is not one of this reader's last result.");
        }

        if (index < _consumed || index > _filled)
        {
            throw new ArgumentOutOfRangeException(nameof(position), "The position is outside the last result.");
        }

        return index;
    }
}
