namespace Convey.Proxy.Inspection.Sni;

/// <summary>
/// Finds the server name (SNI, RFC 6066) in the TLS ClientHello a client sends first, without terminating TLS and
/// without allocating. The ClientHello may span several TLS records and arrive in any number of segments: the parser
/// is given all bytes so far and reports <see cref="ClientHelloStatus.Incomplete"/> until it can decide. Every length
/// is checked against the one that contains it, so no input makes it read outside <c>data</c>; what is not a
/// ClientHello is refused from its first bytes.
/// </summary>
internal static class ClientHelloParser
{
    /// <summary>Longest server name (a DNS name, RFC 1035).</summary>
    public const int MaxNameLength = 253;

    /// <summary>Room the parser needs for a name: the longest one and a final dot.</summary>
    public const int NameBufferLength = MaxNameLength + 1;

    /// <summary>Longest ClientHello accepted: real ones are a few hundred bytes to a few kilobytes.</summary>
    public const int MaxHelloLength = 64 * 1024;

    private const byte HandshakeRecord = 22;
    private const byte ClientHello = 1;
    private const ushort ServerNameExtension = 0;
    private const byte HostName = 0;
    private const int MaxRecordLength = (1 << 14) + 2048;

    /// <summary>
    /// Parses the ClientHello at the start of <paramref name="data"/>. On <see cref="ClientHelloStatus.Complete"/>,
    /// the server name, in lower case and without a final dot, is in the first <paramref name="nameLength"/> bytes of
    /// <paramref name="name"/> (at least <see cref="NameBufferLength"/> bytes long); 0 when the ClientHello names none.
    /// </summary>
    public static ClientHelloStatus TryParse(ReadOnlySpan<byte> data, Span<byte> name, out int nameLength)
    {
        nameLength = 0;
        var reader = new HandshakeReader(data);

        // Handshake header: type (1), length (3).
        if (!reader.TryByte(out var type) || !reader.TryUInt24(out var helloLength))
        {
            return reader.Status;
        }

        if (type != ClientHello || helloLength > MaxHelloLength || helloLength < 38)
        {
            return ClientHelloStatus.Invalid;
        }

        reader.LimitMessage(helloLength);

        // legacy_version (2), random (32), session id, cipher suites, compression methods.
        if (!reader.TryUInt16(out var version) || !reader.TrySkip(32))
        {
            return reader.Status;
        }

        if (version >> 8 != 3)
        {
            return ClientHelloStatus.Invalid;
        }

        if (!reader.TryByte(out var sessionIdLength) || sessionIdLength > 32 || !reader.TrySkip(sessionIdLength)
            || !reader.TryUInt16(out var suitesLength) || suitesLength < 2 || suitesLength % 2 != 0 || !reader.TrySkip(suitesLength)
            || !reader.TryByte(out var compressionLength) || compressionLength < 1 || !reader.TrySkip(compressionLength))
        {
            return reader.Status;
        }

        if (reader.MessageLeft == 0)
        {
            return ClientHelloStatus.Complete; // No extensions: no server name.
        }

        if (!reader.TryUInt16(out var extensionsLength))
        {
            return reader.Status;
        }

        if (extensionsLength != reader.MessageLeft)
        {
            return ClientHelloStatus.Invalid;
        }

        while (reader.MessageLeft > 0)
        {
            if (!reader.TryUInt16(out var extension) || !reader.TryUInt16(out var extensionLength))
            {
                return reader.Status;
            }

            if (extensionLength > reader.MessageLeft)
            {
                return ClientHelloStatus.Invalid;
            }

            if (extension != ServerNameExtension)
            {
                if (!reader.TrySkip(extensionLength))
                {
                    return reader.Status;
                }

                continue;
            }

            return ReadServerName(ref reader, extensionLength, name, out nameLength);
        }

        return ClientHelloStatus.Complete;
    }

    /// <summary>The server_name extension: a list of (type, name); the first host_name is the one.</summary>
    private static ClientHelloStatus ReadServerName(ref HandshakeReader reader, int extensionLength, Span<byte> name, out int nameLength)
    {
        nameLength = 0;
        if (!reader.TryUInt16(out var listLength))
        {
            return reader.Status;
        }

        if (listLength + 2 != extensionLength || listLength < 3)
        {
            return ClientHelloStatus.Invalid;
        }

        if (!reader.TryByte(out var nameType) || !reader.TryUInt16(out var length))
        {
            return reader.Status;
        }

        if (nameType != HostName || length == 0 || length + 3 > listLength || length > MaxNameLength + 1)
        {
            return ClientHelloStatus.Invalid;
        }

        if (!reader.TryCopy(name[..length]))
        {
            return reader.Status;
        }

        // RFC 6066: a DNS host name, ASCII, without a final dot (tolerated and removed, as browsers never send one).
        if (name[length - 1] == (byte)'.')
        {
            length--;
        }

        if (length == 0 || length > MaxNameLength)
        {
            return ClientHelloStatus.Invalid;
        }

        for (var i = 0; i < length; i++)
        {
            var c = name[i];
            if (c is >= (byte)'A' and <= (byte)'Z')
            {
                name[i] = (byte)(c + 32);
            }
            else if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'_'))
            {
                return ClientHelloStatus.Invalid;
            }
        }

        nameLength = length;
        return ClientHelloStatus.Complete;
    }

    /// <summary>
    /// Reads the bytes of one handshake message across the TLS records that carry it, skipping their headers.
    /// Running out of <c>data</c> is <see cref="ClientHelloStatus.Incomplete"/>; a record that is not a handshake
    /// record, or a read past the message's declared length, is <see cref="ClientHelloStatus.Invalid"/>.
    /// </summary>
    private ref struct HandshakeReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;
        private int _recordLeft;
        private int _messageLeft = int.MaxValue;

        public ClientHelloStatus Status { get; private set; } = ClientHelloStatus.Incomplete;

        public readonly int MessageLeft => _messageLeft;

        /// <summary>The handshake message has <paramref name="length"/> bytes after its header.</summary>
        public void LimitMessage(int length) => _messageLeft = length;

        public bool TryByte(out byte value)
        {
            value = 0;
            if (!TryEnterRecord(1))
            {
                return false;
            }

            value = _data[_position++];
            _recordLeft--;
            _messageLeft--;
            return true;
        }

        public bool TryUInt16(out int value)
        {
            value = 0;
            if (!TryByte(out var high) || !TryByte(out var low))
            {
                return false;
            }

            value = (high << 8) | low;
            return true;
        }

        public bool TryUInt24(out int value)
        {
            value = 0;
            if (!TryByte(out var high) || !TryUInt16(out var low))
            {
                return false;
            }

            value = (high << 16) | low;
            return true;
        }

        public bool TrySkip(int count)
        {
            while (count > 0)
            {
                if (!TryEnterRecord(count))
                {
                    return false;
                }

                var step = Math.Min(count, Math.Min(_recordLeft, _data.Length - _position));
                _position += step;
                _recordLeft -= step;
                _messageLeft -= step;
                count -= step;
            }

            return true;
        }

        public bool TryCopy(Span<byte> destination)
        {
            var copied = 0;
            while (copied < destination.Length)
            {
                if (!TryEnterRecord(destination.Length - copied))
                {
                    return false;
                }

                var step = Math.Min(destination.Length - copied, Math.Min(_recordLeft, _data.Length - _position));
                _data.Slice(_position, step).CopyTo(destination[copied..]);
                _position += step;
                _recordLeft -= step;
                _messageLeft -= step;
                copied += step;
            }

            return true;
        }

        /// <summary>Makes sure at least one of the next <paramref name="wanted"/> bytes can be read: within the message, in a record, in the data.</summary>
        private bool TryEnterRecord(int wanted)
        {
            if (wanted > _messageLeft)
            {
                Status = ClientHelloStatus.Invalid;
                return false;
            }

            while (_recordLeft == 0)
            {
                if (_data.Length - _position < 5)
                {
                    return Incomplete(_data[_position..]);
                }

                var length = (_data[_position + 3] << 8) | _data[_position + 4];
                if (_data[_position] != HandshakeRecord || _data[_position + 1] != 3 || length == 0 || length > MaxRecordLength)
                {
                    Status = ClientHelloStatus.Invalid;
                    return false;
                }

                _position += 5;
                _recordLeft = length;
            }

            if (_position == _data.Length)
            {
                Status = ClientHelloStatus.Incomplete;
                return false;
            }

            return true;
        }

        /// <summary>Out of data inside a record header: invalid already when the bytes there cannot begin a handshake record.</summary>
        private bool Incomplete(ReadOnlySpan<byte> header)
        {
            Status = (header.Length > 0 && header[0] != HandshakeRecord) || (header.Length > 1 && header[1] != 3)
                ? ClientHelloStatus.Invalid
                : ClientHelloStatus.Incomplete;
            return false;
        }
    }
}
