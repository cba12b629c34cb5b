namespace Convey.Proxy.Tests.Support;

/// <summary>ClientHellos reshaped as senders may send them: the same handshake message in TLS records of other sizes.</summary>
internal static class ClientHellos
{
    /// <summary>The handshake message of <paramref name="records"/> (one or more TLS records) without their headers.</summary>
    public static byte[] Message(byte[] records)
    {
        var message = new List<byte>();
        for (var at = 0; at < records.Length;)
        {
            var length = (records[at + 3] << 8) | records[at + 4];
            message.AddRange(records.AsSpan(at + 5, length).ToArray());
            at += 5 + length;
        }

        return [.. message];
    }

    /// <summary><paramref name="message"/> cut into handshake records of at most <paramref name="size"/> bytes each.</summary>
    public static byte[] InRecords(byte[] message, int size)
    {
        var records = new List<byte>();
        for (var at = 0; at < message.Length; at += size)
        {
            var length = Math.Min(size, message.Length - at);
            records.AddRange([22, 3, 1, (byte)(length >> 8), (byte)length]);
            records.AddRange(message.AsSpan(at, length).ToArray());
        }

        return [.. records];
    }
}
