using Convey.Host.Hosting;
using Convey.Proxy;

namespace Convey.Host.Tests.Hosting;

public class TransportEnvironmentTests
{
    [Theory]
    [InlineData("io_uring", ProxyTransport.IoUring)]
    [InlineData("IO_URING", ProxyTransport.IoUring)]
    [InlineData("epoll", ProxyTransport.Epoll)]
    [InlineData("sockets", ProxyTransport.Sockets)]
    [InlineData("auto", ProxyTransport.Auto)]
    public void CONVEY_TRANSPORT_chooses_the_proxy_engines_transport(string value, ProxyTransport expected)
    {
        var options = new ProxyEngineOptions { Transport = ProxyTransport.Sockets == expected ? ProxyTransport.Epoll : ProxyTransport.Sockets };

        TransportEnvironment.Apply(options, name => name == TransportEnvironment.Variable ? value : null);

        Assert.Equal(expected, options.Transport);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Unset_or_empty_CONVEY_TRANSPORT_keeps_the_default(string? value)
    {
        var options = new ProxyEngineOptions();

        TransportEnvironment.Apply(options, _ => value);

        Assert.Equal(ProxyTransport.Auto, options.Transport);
    }

    [Fact]
    public void Unknown_CONVEY_TRANSPORT_is_refused_naming_the_variable_and_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => TransportEnvironment.Apply(new ProxyEngineOptions(), _ => "uring2"));

        Assert.Contains("CONVEY_TRANSPORT=uring2", error.Message, StringComparison.Ordinal);
        Assert.Contains("auto, epoll, io_uring or sockets", error.Message, StringComparison.Ordinal);
    }
}
