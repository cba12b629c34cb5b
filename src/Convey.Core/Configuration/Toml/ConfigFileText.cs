using System.Buffers;
using System.Security;
using System.Text;
using System.Text.Unicode;

namespace Convey.Configuration.Toml;

/// <summary>
/// Reads a configuration file into text for both the one-shot reader and the watching source: at most
/// <see cref="MaxBytes"/> (a path to a device or a runaway file must not exhaust memory), strictly UTF-8 as TOML
/// requires (a leading byte order mark is allowed), with every failure a <see cref="ConfigException"/> naming the file.
/// </summary>
internal static class ConfigFileText
{
    /// <summary>The largest configuration file accepted: far above any real one (100,000 servers take about 5 MB).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    private const int ChunkSize = 64 * 1024;

    /// <summary>
    /// The file's bytes, but never more than one byte past <see cref="MaxBytes"/>: enough for <see cref="ToText"/> to
    /// refuse the file, and for a change detector to hash.
    /// </summary>
    /// <exception cref="ConfigException">
    /// The path is not a regular file (a directory, FIFO, device or socket, checked before opening: a FIFO would block
    /// the reader until something writes to it), or the file is missing or unreadable.
    /// </exception>
    public static byte[] ReadBytes(string path)
    {
        if (FileKind.DescribeIfNotRegular(path) is { } kind)
        {
            throw Refused(path, 0, 0, $"is {kind}, not a regular file; give the path of the TOML configuration file.");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            using var content = new MemoryStream();
            var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
            try
            {
                int read;
                while (content.Length <= MaxBytes && (read = stream.Read(chunk, 0, (int)Math.Min(ChunkSize, MaxBytes + 1 - content.Length))) > 0)
                {
                    content.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return content.ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or SecurityException)
        {
            throw Refused(path, 0, 0, $"cannot read the configuration file: {ex.Message}");
        }
    }

    /// <summary>The bytes as text, without a leading byte order mark.</summary>
    /// <exception cref="ConfigException">More than <see cref="MaxBytes"/>, or not valid UTF-8 (placed at the first bad byte).</exception>
    public static string ToText(byte[] bytes, string path)
    {
        if (bytes.Length > MaxBytes)
        {
            throw Refused(path, 0, 0, $"the file is larger than {MaxBytes / (1024 * 1024)} MiB; is this the configuration file?");
        }

        var utf8 = bytes.AsSpan();
        if (utf8.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        if (!Utf8.IsValid(utf8))
        {
            throw InvalidUtf8(utf8, path);
        }

        return Encoding.UTF8.GetString(utf8);
    }

    private static ConfigException InvalidUtf8(ReadOnlySpan<byte> utf8, string path)
    {
        int line = 1, column = 1;
        for (var i = 0; i < utf8.Length;)
        {
            if (Rune.DecodeFromUtf8(utf8[i..], out var rune, out var consumed) != OperationStatus.Done)
            {
                return Refused(path, line, column, $"byte 0x{utf8[i]:X2} is not valid UTF-8; TOML files must be saved as UTF-8.");
            }

            (line, column) = rune.Value == '\n' ? (line + 1, 1) : (line, column + 1);
            i += consumed;
        }

        return Refused(path, 0, 0, "the file is not valid UTF-8; TOML files must be saved as UTF-8.");
    }

    private static ConfigException Refused(string path, int line, int column, string message) =>
        new(new ConfigError(path, line, column, "", message));
}
