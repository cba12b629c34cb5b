using System.Globalization;
using System.Net;
using System.Text;
using Convey.Configuration;

namespace Convey.Proxy.Tests.Support;

/// <summary>Writes the TOML an operator would write for a configuration (the keys these tests use).</summary>
internal static class TomlText
{
    public static string From(ConveyConfig config)
    {
        var toml = new StringBuilder();
        foreach (var frontend in config.Frontends)
        {
            toml.AppendLine(CultureInfo.InvariantCulture, $"[frontends.{frontend.Name}]");
            toml.AppendLine(CultureInfo.InvariantCulture, $"listen_addr = \"{Format(frontend.ListenEndPoint)}\"");
            toml.AppendLine(CultureInfo.InvariantCulture, $"backend = \"{frontend.Pool}\"");
            toml.AppendLine();
        }

        foreach (var pool in config.Pools)
        {
            toml.AppendLine(CultureInfo.InvariantCulture, $"[backends.{pool.Name}]");
            foreach (var server in pool.Servers)
            {
                toml.AppendLine(CultureInfo.InvariantCulture, $"  [backends.{pool.Name}.servers.{server.Name}]");
                toml.AppendLine(CultureInfo.InvariantCulture, $"  addr = \"{Format(server.Address)}\"");
                toml.AppendLine(CultureInfo.InvariantCulture, $"  weight = {server.Weight}");
            }

            toml.AppendLine();
        }

        return toml.ToString();
    }

    /// <summary>Replaces the file in one step (write aside, then rename), as editors and deploy tools do.</summary>
    public static void Write(string path, ConveyConfig config)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, From(config));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Whether the live configuration says what <paramref name="expected"/> says (frontends, servers, weights).</summary>
    public static bool SameShape(ConveyConfig live, ConveyConfig expected) =>
        live.Frontends.Select(f => (f.Name, f.ListenEndPoint)).SequenceEqual(expected.Frontends.Select(f => (f.Name, f.ListenEndPoint))) &&
        live.Pools.SelectMany(p => p.Servers.Select(s => (p.Name, s.Address, s.Weight)))
            .SequenceEqual(expected.Pools.SelectMany(p => p.Servers.Select(s => (p.Name, s.Address, s.Weight))));

    private static string Format(EndPoint endPoint) => endPoint.ToString()!;
}
