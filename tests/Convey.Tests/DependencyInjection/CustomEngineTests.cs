using System.Net;
using System.Net.Sockets;
using System.Text;
using Convey.Configuration;
using Convey.Forwarding;
using Convey.Runtime;
using Convey.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Convey.Tests.DependencyInjection;

/// <summary>
/// An engine written by an application, registered through the builder: it claims a mode and a setting of its own,
/// Convey validates them with the rest of the configuration and hands it the frontends of its mode.
/// </summary>
public sealed class CustomEngineTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_custom_engine_serves_a_frontend_of_its_own_mode_with_its_own_setting()
    {
        using var server = new TcpListener(IPAddress.Loopback, 0);
        server.Start();
        using var port = new ReservedPort();
        var config = Config(port.EndPoint, (IPEndPoint)server.LocalEndpoint, ("greeting", "hello"));
        using var host = Build(config);

        await host.StartAsync().WaitAsync(Guard);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(config.Frontends[0].ListenEndPoint).WaitAsync(Guard);
            using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);

            Assert.Equal("hello from s1", await reader.ReadLineAsync().WaitAsync(Guard));
            Assert.Equal("greeting", host.Services.GetRequiredService<ConveyBalancer>().GetStats().Frontends["greet"].Mode);
        }
        finally
        {
            await host.StopAsync().WaitAsync(Guard);
        }
    }

    [Fact]
    public async Task The_custom_engines_own_check_refuses_a_bad_value_of_its_setting()
    {
        using var port = new ReservedPort();
        using var host = Build(Config(port.EndPoint, Unused, ("greeting", " ")));

        var ex = await Assert.ThrowsAsync<ConfigException>(() => host.StartAsync().WaitAsync(Guard));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("frontends.greet.greeting", error.KeyPath);
        Assert.Contains("must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_no_engine_claims_is_refused_with_the_nearest_known_key()
    {
        using var port = new ReservedPort();
        using var host = Build(Config(port.EndPoint, Unused, ("greeting", "hello"), ("greting", "hello")));

        var ex = await Assert.ThrowsAsync<ConfigException>(() => host.StartAsync().WaitAsync(Guard));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("frontends.greet.greting", error.KeyPath);
        Assert.Contains("Did you mean 'greeting'?", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(ConveyConfig config)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddConvey().AddForwardingEngine<GreetingEngine>().AddInMemoryConfig(config);
        return builder.Build();
    }

    /// <summary>A server address for configurations that are refused before anything connects.</summary>
    private static readonly IPEndPoint Unused = new(IPAddress.Loopback, 9);

    private static ConveyConfig Config(IPEndPoint listen, IPEndPoint server, params (string Key, string Value)[] settings) => new()
    {
        Frontends =
        [
            new FrontendConfig
            {
                Name = "greet",
                ListenEndPoint = listen,
                Pool = "names",
                Mode = "greeting",
                Settings = new ConfigSettings(settings.Select(s => new KeyValuePair<string, string>(s.Key, s.Value))),
            },
        ],
        Pools = [new BackendPoolConfig { Name = "names", Servers = [new ServerConfig { Name = "s1", Address = server }] }],
    };

    /// <summary>Answers each connection with its frontend's <c>greeting</c> and the server its pool picks, then closes it.</summary>
    private sealed class GreetingEngine : IForwardingEngine, IAsyncDisposable
    {
        private readonly Dictionary<string, (TcpListener Listener, Task Loop)> _listeners = [];
        private readonly CancellationTokenSource _stopping = new();

        public IReadOnlyCollection<string> Modes { get; } = ["greeting"];

        public IReadOnlyCollection<string> FrontendKeys { get; } = ["greeting"];

        public IEnumerable<ConfigError> Validate(ConveyConfig config) =>
            config.Frontends
                .Where(f => f.Mode == "greeting" && (!f.Settings.TryGetValue("greeting", out var text) || string.IsNullOrWhiteSpace(text)))
                .Select(f => new ConfigError(config.Source, 0, 0, $"frontends.{f.Name}.greeting", "greeting must not be empty; write what the frontend answers."));

        public Task ApplyAsync(RuntimeSnapshot snapshot, CancellationToken cancellationToken)
        {
            foreach (var frontend in snapshot.Frontends.Values.Where(f => f.Mode == "greeting" && !_listeners.ContainsKey(f.Config.Name)))
            {
                var listener = new TcpListener(frontend.Config.ListenEndPoint);
                listener.Start();
                frontend.ReportListening();
                _listeners.Add(frontend.Config.Name, (listener, ServeAsync(listener, frontend, _stopping.Token)));
            }

            return Task.CompletedTask;
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stopping.CancelAsync();
            foreach (var (listener, loop) in _listeners.Values)
            {
                listener.Stop();
                await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            _listeners.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync(CancellationToken.None);
            _stopping.Dispose();
        }

        private static async Task ServeAsync(TcpListener listener, FrontendState frontend, CancellationToken stopping)
        {
            while (!stopping.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stopping);
                var flow = FlowKey.FromEndPoints((IPEndPoint)client.Client.RemoteEndPoint!, (IPEndPoint)client.Client.LocalEndPoint!);
                var server = frontend.Pool.Select(flow);
                frontend.Config.Settings.TryGetValue("greeting", out var greeting);
                var line = Encoding.ASCII.GetBytes($"{greeting} from {server?.Name ?? "nobody"}\n");
                await client.GetStream().WriteAsync(line, stopping);
            }
        }
    }
}
