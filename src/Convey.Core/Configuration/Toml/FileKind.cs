using System.Buffers.Binary;
using Native = Convey.Interop.Interop;

namespace Convey.Configuration.Toml;

/// <summary>
/// What kind of file a path names (following symbolic links: a ConfigMap's symlink to a regular file is a regular
/// file), checked before it is opened: opening a FIFO for reading blocks until a writer comes, and a device or a
/// directory is no configuration file either.
/// </summary>
internal static class FileKind
{
    /// <summary>
    /// "a directory", "a FIFO (named pipe)", "a character device", "a block device" or "a socket" when
    /// <paramref name="path"/> names one of those; null for a regular file, a missing path, or a type that cannot be read.
    /// </summary>
    public static string? DescribeIfNotRegular(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? "a directory" : null;
        }

        return ReadMode(path) switch
        {
            null => Directory.Exists(path) ? "a directory" : null,
            var mode => (mode & 0xF000) switch
            {
                0x4000 => "a directory",
                0x1000 => "a FIFO (named pipe)",
                0x2000 => "a character device",
                0x6000 => "a block device",
                0xC000 => "a socket",
                _ => null,
            },
        };
    }

    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static unsafe int? ReadMode(string path)
    {
        var buffer = stackalloc byte[Native.StatxSize];
        try
        {
            if (Native.Statx(Native.AtCurrentDirectory, path, 0, Native.StatxType, buffer) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            // A C library without statx (older than glibc 2.28 or musl 1.2.5): only directories are told apart.
            return null;
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(new ReadOnlySpan<byte>(buffer + Native.StatxModeOffset, 2));
    }
}
