using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Convey.Metrics;
using Convey.Runtime;

namespace Convey.Host.Stats;

/// <summary>
/// The HTML status page, in the spirit of HAProxy's: the frontends, then one table per pool with each server's
/// address, weight, state (coloured), connections and bytes. It reloads itself every few seconds. It shows the same
/// <see cref="StatsSnapshot"/> that <c>/stats</c> serves.
/// </summary>
internal static class StatusPage
{
    /// <summary>Seconds between two automatic reloads of the page.</summary>
    public const int RefreshSeconds = 2;

    private static readonly string Version =
        typeof(StatusPage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "";

    /// <summary>Renders <paramref name="stats"/> (configuration source and last reload included) as of <paramref name="now"/>.</summary>
    public static string Render(StatsSnapshot stats, DateTimeOffset now)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="refresh" content="{RefreshSeconds}">
            <title>Convey status</title>
            <style>
            body {"{"} font-family: system-ui, sans-serif; margin: 1.5em; color: #222; {"}"}
            h1 {"{"} font-size: 1.4em; margin-bottom: 0.2em; {"}"}
            h2 {"{"} font-size: 1.1em; margin: 1.4em 0 0.4em; {"}"}
            .meta {"{"} color: #666; font-size: 0.9em; {"}"}
            table {"{"} border-collapse: collapse; min-width: 60em; {"}"}
            th, td {"{"} border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; {"}"}
            th {"{"} background: #3a4a6b; color: #fff; font-weight: 600; {"}"}
            td.num {"{"} text-align: right; font-variant-numeric: tabular-nums; {"}"}
            tr.up td {"{"} background: #c8f0c8; {"}"}
            tr.down td {"{"} background: #f4b8b8; {"}"}
            tr.draining td {"{"} background: #f6e3a6; {"}"}
            tr.pending td {"{"} background: #cfe3f6; {"}"}
            tr.disabled td {"{"} background: #dddddd; {"}"}
            tr.listening td {"{"} background: #c8f0c8; {"}"}
            tr.not-listening td {"{"} background: #f4b8b8; {"}"}
            tr.unresolved td {"{"} background: #f4b8b8; {"}"}
            .alert {"{"} border: 1px solid #c33; background: #fbe3e3; padding: 0.4em 0.8em; {"}"}
            .legend span {"{"} display: inline-block; padding: 0 0.5em; margin-right: 0.4em; border: 1px solid #bbb; {"}"}
            </style>
            </head>
            <body>
            <h1>Convey status</h1>
            <p class="meta">Convey {Encode(Version)} &middot; {Encode(stats.ConfigSource)} &middot; updated {now:yyyy-MM-dd HH:mm:ss} UTC &middot; refreshes every {RefreshSeconds} s &middot; <a href="/stats">JSON</a> &middot; <a href="/metrics">Prometheus</a></p>
            <p class="legend"><span style="background:#c8f0c8">up</span><span style="background:#f4b8b8">down</span><span style="background:#f6e3a6">draining</span><span style="background:#cfe3f6">pending (first probe not passed yet)</span><span style="background:#dddddd">disabled (weight 0)</span><span style="background:#f4b8b8">not listening</span><span style="background:#f4b8b8">unresolved host name</span></p>

            """);
        AppendReload(html, stats.LastReload);
        AppendAnnounce(html, stats.Announce);
        AppendFrontends(html, stats);
        foreach (var (name, pool) in stats.Pools.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            AppendPool(html, name, pool);
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>The state word of a server, as shown on the page and used as its row's class.</summary>
    public static string StateOf(ServerStats server) =>
        server.Draining ? "draining" : server.Pending ? "pending" : !server.Healthy ? "down" : server.Weight == 0 ? "disabled" : "up";

    /// <summary>The state word of a frontend, as shown on the page and used as its row's class.</summary>
    public static string StateOf(FrontendStats frontend) =>
        frontend.Draining ? "draining" : frontend.Listening ? "listening" : "not-listening";

    private static void AppendReload(StringBuilder html, ReloadStatus? reload)
    {
        if (reload is null)
        {
            html.Append("<p class=\"meta\" id=\"reload\" data-result=\"none\">No reload since start.</p>\n");
            return;
        }

        var result = reload.Result switch
        {
            ReloadResult.Applied => "applied",
            ReloadResult.PartiallyApplied => "partially applied",
            _ => "refused",
        };
        var alert = reload.Result == ReloadResult.Applied ? "meta" : "alert";
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"{alert}\" id=\"reload\" data-result=\"{result.Replace(' ', '_')}\">Last reload {result} at {reload.Time:yyyy-MM-dd HH:mm:ss} UTC from {Encode(reload.Source)}");
        if (reload.Error is { } error)
        {
            html.Append(CultureInfo.InvariantCulture, $":</p>\n<pre id=\"reload-error\">{Encode(error)}</pre>\n");
        }
        else
        {
            html.Append(".</p>\n");
        }
    }

    /// <summary>The announcement through BIRD, when <c>[announce]</c> is set: state, why, BIRD's last reply, the crash guard.</summary>
    private static void AppendAnnounce(StringBuilder html, AnnounceStats? announce)
    {
        if (announce is null)
        {
            return;
        }

        var alert = announce.State == "announced" ? "meta" : "alert";
        html.Append(CultureInfo.InvariantCulture,
            $"<p class=\"{alert}\" id=\"announce\" data-state=\"{Encode(announce.State)}\">Route {Encode(announce.State.ToUpperInvariant())} since {announce.Since:yyyy-MM-dd HH:mm:ss} UTC: BIRD protocol {Encode(announce.Protocol)} on {Encode(announce.BirdSocket)}");
        if (announce.Reason is { } reason)
        {
            html.Append(CultureInfo.InvariantCulture, $", because {Encode(reason)}");
        }

        html.Append(CultureInfo.InvariantCulture, $". Last reply: {Encode(announce.LastReply ?? "none yet")}");
        if (announce.LastError is { } error)
        {
            html.Append(CultureInfo.InvariantCulture, $". Last error: {Encode(error)}");
        }

        html.Append(CultureInfo.InvariantCulture, $". Crash guard: {Encode(announce.CrashGuard)}.</p>\n");
    }

    private static void AppendFrontends(StringBuilder html, StatsSnapshot stats)
    {
        html.Append("""
            <h2>Frontends</h2>
            <table id="frontends">
            <tr><th>Frontend</th><th>Listen</th><th>Mode</th><th>Pool</th><th>State</th><th>Current</th><th>Total</th><th>Refused</th><th>Failed connects</th><th>Retries</th><th>Bytes from clients (tx)</th><th>Bytes to clients (rx)</th></tr>

            """);
        foreach (var (name, frontend) in stats.Frontends.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var state = StateOf(frontend);
            var shown = frontend.ListenError is { } error ? $"{state.ToUpperInvariant()}: {error}" : state.ToUpperInvariant();
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"{state}\" data-frontend=\"{Encode(name)}\" data-state=\"{state}\">" +
                $"<td>{Encode(name)}</td><td>{Encode(frontend.ListenAddr)}</td>" +
                $"<td>{Encode(frontend.Transport is { } path ? $"{frontend.Mode} ({path})" : frontend.Mode)}</td><td>{Encode(frontend.Pool)}</td><td>{Encode(shown)}</td>" +
                $"<td class=\"num\">{frontend.CurrentConnections}</td><td class=\"num\">{frontend.TotalConnections}</td><td class=\"num\">{frontend.RefusedConnections}</td>" +
                $"<td class=\"num\">{frontend.ConnectFailures}</td><td class=\"num\">{frontend.Retries}</td>" +
                $"<td class=\"num\">{Bytes(frontend.BytesToServer)}</td><td class=\"num\">{Bytes(frontend.BytesToClient)}</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static void AppendPool(StringBuilder html, string name, PoolStats pool)
    {
        html.Append(CultureInfo.InvariantCulture, $"""
            <h2>Pool {Encode(name)}{(pool.Draining ? " (removed, draining)" : "")} <span class="meta">({Encode(pool.Policy)}, {pool.HealthyServers}/{pool.ServerDetails.Count} servers taking traffic)</span></h2>
            <table class="pool" data-pool="{Encode(name)}">
            <tr><th>Server</th><th>Address</th><th>Weight</th><th>State</th><th>Current</th><th>Total</th><th>Failed connects</th><th>Bytes to server (tx)</th><th>Bytes from server (rx)</th></tr>

            """);
        foreach (var server in pool.ServerDetails.Values)
        {
            var state = StateOf(server);
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"{state}\" data-server=\"{Encode(server.Name)}\" data-state=\"{state}\"><td>{Encode(server.Name)}</td><td>{Encode(server.Address)}</td>" +
                $"<td class=\"num\">{server.Weight}</td><td>{state.ToUpperInvariant()}</td>" +
                $"<td class=\"num\">{server.CurrentConnections}</td><td class=\"num\">{server.TotalConnections}</td><td class=\"num\">{server.ConnectFailures}</td>" +
                $"<td class=\"num\">{Bytes(server.BytesToServer)}</td><td class=\"num\">{Bytes(server.BytesToClient)}</td></tr>\n");
        }

        foreach (var hostName in pool.Unresolved)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr class=\"unresolved\" data-unresolved=\"{Encode(hostName)}\" data-state=\"unresolved\"><td colspan=\"9\">{Encode(hostName)}: UNRESOLVED (the host name has no address yet; it takes no traffic)</td></tr>\n");
        }

        html.Append("</table>\n");
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static string Bytes(long count) => count switch
    {
        < 1024 => count.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (count / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (count / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        _ => (count / (1024.0 * 1024 * 1024)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
    };
}
