using Convey.RawPacket.Packets;

namespace Convey.RawPacket.Tests.Packets;

public class InternetChecksumTests
{
    [Fact]
    public void Known_IPv4_header_has_the_published_checksum()
    {
        // The worked example of the IPv4 header checksum (192.168.0.1 -> 192.168.0.199, UDP).
        byte[] header = Convert.FromHexString("450000730000400040110000C0A80001C0A800C7");
        Assert.Equal(0xB861, InternetChecksum.Compute(header));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1459)]
    [InlineData(1460)]
    public void Compute_matches_the_reference_for_every_length(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Assert.Equal(TestPackets.ReferenceChecksum(data), InternetChecksum.Compute(data));
    }

    [Fact]
    public void Incremental_update_of_a_word_equals_a_full_recomputation()
    {
        var random = new Random(7);
        for (var i = 0; i < 10_000; i++)
        {
            var data = new byte[2 + random.Next(40)];
            random.NextBytes(data);
            var before = InternetChecksum.Compute(data);
            var oldWord = (ushort)((data[0] << 8) | data[1]);
            var newWord = (ushort)random.Next(0x10000);
            data[0] = (byte)(newWord >> 8);
            data[1] = (byte)newWord;

            var updated = InternetChecksum.Update(before, oldWord, newWord);

            Assert.Equal(Canonical(InternetChecksum.Compute(data)), Canonical(updated));
        }
    }

    // 0x0000 and 0xFFFF are the same one's-complement value.
    private static ushort Canonical(ushort checksum) => checksum == 0xFFFF ? (ushort)0 : checksum;
}
