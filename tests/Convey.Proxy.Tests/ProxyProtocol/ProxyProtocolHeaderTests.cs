using System.Net;
using System.Text;
using Convey.Proxy.ProxyProtocol;

namespace Convey.Proxy.Tests.ProxyProtocol;

public class ProxyProtocolHeaderTests
{
    [Fact]
    public void V1_header_for_IPv4_is_the_text_line_of_the_spec()
    {
        var header = Write(ProxyProtocolVersion.V1, "192.0.2.7:51000", "198.51.100.1:443");

        Assert.Equal("PROXY TCP4 192.0.2.7 198.51.100.1 51000 443\r\n", Encoding.ASCII.GetString(header));
    }

    [Fact]
    public void V1_header_for_IPv6_uses_TCP6()
    {
        var header = Write(ProxyProtocolVersion.V1, "[2001:db8::7]:51000", "[2001:db8::1]:443");

        Assert.Equal("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443\r\n", Encoding.ASCII.GetString(header));
    }

    [Fact]
    public void IPv4_mapped_addresses_of_a_dual_stack_listener_are_written_as_IPv4()
    {
        var header = Write(ProxyProtocolVersion.V1, "[::ffff:192.0.2.7]:51000", "[::ffff:198.51.100.1]:443");

        Assert.Equal("PROXY TCP4 192.0.2.7 198.51.100.1 51000 443\r\n", Encoding.ASCII.GetString(header));
    }

    [Fact]
    public void V2_header_for_IPv4_is_signature_command_family_length_and_addresses()
    {
        var header = Write(ProxyProtocolVersion.V2, "192.0.2.7:51000", "198.51.100.1:443");

        Assert.Equal(
            "0D0A0D0A000D0A515549540A" + "21" + "11" + "000C" + "C0000207" + "C6336401" + "C738" + "01BB",
            Convert.ToHexString(header));
    }

    [Fact]
    public void V2_header_for_IPv6_carries_36_address_bytes()
    {
        var header = Write(ProxyProtocolVersion.V2, "[2001:db8::7]:51000", "[2001:db8::1]:443");

        Assert.Equal(16 + 36, header.Length);
        Assert.Equal(0x21, header[13]);
        Assert.Equal("20010DB8000000000000000000000007" + "20010DB8000000000000000000000001" + "C738" + "01BB", Convert.ToHexString(header[16..]));
    }

    private static byte[] Write(ProxyProtocolVersion version, string source, string destination)
    {
        var buffer = new byte[ProxyProtocolHeader.MaxLength];
        var length = ProxyProtocolHeader.Write(version, IPEndPoint.Parse(source), IPEndPoint.Parse(destination), buffer);
        return buffer[..length];
    }
}
