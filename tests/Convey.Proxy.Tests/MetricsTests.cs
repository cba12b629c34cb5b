using System.Net.Sockets;
using Convey.Forwarding;
using Convey.Proxy.Tests.Support;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Convey.Proxy.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Finished_connection_records_its_duration_for_its_frontend_and_pool()
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]));
        using var durations = new MetricCollector<double>(proxy.Metrics.Meter, "convey.connection.duration");

        using (var client = await Loopback.ConnectAsync(proxy.Frontend()))
        {
            await Loopback.AssertEchoAsync(client, "measured");
            client.Shutdown(SocketShutdown.Send);
            await Loopback.ReadToEndAsync(client);
        }

        await Eventually.TrueAsync(() => durations.GetMeasurementSnapshot().Count == 1, "duration recorded");
        var measurement = durations.GetMeasurementSnapshot().Single();
        Assert.True(measurement.Value > 0);
        Assert.Equal("front", measurement.Tags["convey.frontend"]);
        Assert.Equal("pool", measurement.Tags["convey.pool"]);
    }

    [Fact]
    public async Task Bytes_and_connections_are_counted_per_frontend_and_server()
    {
        await using var server = TestServer.Echo();
        await using var proxy = await ProxyFixture.StartAsync(ProxyFixture.Config([server.EndPoint]));

        using (var client = await Loopback.ConnectAsync(proxy.Frontend()))
        {
            await Loopback.AssertEchoAsync(client, "12345");
            client.Shutdown(SocketShutdown.Send);
            await Loopback.ReadToEndAsync(client);
        }

        await Eventually.ReturnsAsync(() => proxy.FrontendState().ActiveConnections, active => active == 0, "connection closed");
        var frontend = proxy.FrontendState();
        var backend = proxy.Servers().Single();
        Assert.Equal((1, 5, 5), (frontend.TotalConnections, frontend.BytesToServer, frontend.BytesToClient));
        Assert.Equal((1, 0, 5, 5), (backend.TotalConnections, backend.ActiveConnections, backend.BytesToServer, backend.BytesToClient));
    }
}
