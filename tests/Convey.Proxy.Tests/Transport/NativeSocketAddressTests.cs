using System.Net;
using Convey.Proxy.Transport.Epoll;

namespace Convey.Proxy.Tests.Transport;

public class NativeSocketAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", 16)]
    [InlineData("198.18.0.10:61000", 16)]
    [InlineData("[::1]:443", 28)]
    [InlineData("[fe80::1%3]:80", 28)]
    public void Writes_the_native_form_and_reads_it_back(string text, int length)
    {
        var endPoint = IPEndPoint.Parse(text);
        var native = new byte[NativeSocketAddress.MaxLength];

        Assert.Equal(length, NativeSocketAddress.Write(endPoint, native));
        Assert.Equal(endPoint, NativeSocketAddress.Read(native));
    }

    [Fact]
    public void IPv4_is_sockaddr_in_family_port_in_network_order_then_address()
    {
        var native = new byte[NativeSocketAddress.MaxLength];

        NativeSocketAddress.Write(IPEndPoint.Parse("127.0.0.1:8080"), native);

        Assert.Equal("0200" + "1F90" + "7F000001" + "0000000000000000", Convert.ToHexString(native, 0, 16));
    }
}
