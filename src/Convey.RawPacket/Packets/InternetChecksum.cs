using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Convey.RawPacket.Packets;

/// <summary>The Internet checksum (RFC 1071): full computation and incremental update (RFC 1624).</summary>
internal static class InternetChecksum
{
    /// <summary>
    /// Adds the bytes of <paramref name="data"/> to a running one's-complement sum, as big-endian 16-bit words
    /// (an odd final byte is padded with zero). Fold the result with <see cref="Fold"/>.
    /// </summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        // Summing native-endian 32-bit words and swapping once at the end gives the same folded sum (RFC 1071 §2).
        ulong native = 0;
        var words = MemoryMarshal.Cast<byte, uint>(data[..(data.Length & ~3)]);
        foreach (var word in words)
        {
            native += word;
        }

        var rest = data[(words.Length * 4)..];
        if (rest.Length >= 2)
        {
            native += MemoryMarshal.Read<ushort>(rest);
            rest = rest[2..];
        }

        if (rest.Length == 1)
        {
            native += BitConverter.IsLittleEndian ? rest[0] : (uint)rest[0] << 8;
        }

        var folded = FoldToUInt16(native);
        return sum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(folded) : folded);
    }

    /// <summary>Folds a running sum to 16 bits (not yet complemented).</summary>
    public static ushort Fold(ulong sum) => FoldToUInt16(sum);

    /// <summary>The checksum of <paramref name="data"/> alone: the complement of its folded sum.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => (ushort)~Fold(Add(0, data));

    /// <summary>RFC 1624 eqn. 3: the new checksum after one 16-bit word changed from <paramref name="oldWord"/> to <paramref name="newWord"/>.</summary>
    public static ushort Update(ushort checksum, ushort oldWord, ushort newWord)
    {
        uint sum = (ushort)~checksum + (uint)(ushort)~oldWord + newWord;
        return (ushort)~FoldToUInt16(sum);
    }

    /// <summary>RFC 1624 for a 32-bit field (an address) that changed from <paramref name="oldValue"/> to <paramref name="newValue"/>.</summary>
    public static ushort Update(ushort checksum, uint oldValue, uint newValue)
    {
        ulong sum = (ushort)~checksum +
                    (ulong)(ushort)~(oldValue >> 16) + (ushort)~oldValue +
                    (newValue >> 16) + (newValue & 0xFFFF);
        return (ushort)~FoldToUInt16(sum);
    }

    /// <summary>RFC 1624 for an address in a checksummed pseudo-header or header: 32 bits when both are IPv4, else 128.</summary>
    public static ushort Update(ushort checksum, PacketAddress oldAddress, PacketAddress newAddress) =>
        oldAddress.IsIPv4 && newAddress.IsIPv4
            ? Update(checksum, oldAddress.IPv4, newAddress.IPv4)
            : Update(checksum, oldAddress.ToUInt128(), newAddress.ToUInt128());

    /// <summary>RFC 1624 for a 128-bit field (an IPv6 address) that changed from <paramref name="oldValue"/> to <paramref name="newValue"/>.</summary>
    public static ushort Update(ushort checksum, UInt128 oldValue, UInt128 newValue)
    {
        var sum = (ushort)~checksum + SumOfWords(~oldValue) + SumOfWords(newValue);
        return (ushort)~FoldToUInt16(sum);
    }

    /// <summary>The sum of the eight big-endian 16-bit words of a 128-bit value, unfolded.</summary>
    public static ulong SumOfWords(UInt128 value) => SumOfWords((ulong)(value >> 64)) + SumOfWords((ulong)value);

    private static ulong SumOfWords(ulong value) =>
        (value >> 48) + ((value >> 32) & 0xFFFF) + ((value >> 16) & 0xFFFF) + (value & 0xFFFF);

    private static ushort FoldToUInt16(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }
}
