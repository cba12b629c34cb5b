using System.Diagnostics;

namespace Convey.RawPacket.Firewall;

/// <summary>Installs and removes the engine's nftables table by running <c>nft -f -</c>.</summary>
internal sealed class NftablesFirewall
{
    private readonly string _nft;

    public NftablesFirewall(string nft = "nft") => _nft = nft;

    /// <summary>Replaces the table atomically with <paramref name="script"/>; an empty script only removes it (also a stale one left by a crash).</summary>
    public Task ApplyAsync(string script, CancellationToken cancellationToken) =>
        RunAsync($"add table inet {FirewallRules.TableName}\ndelete table inet {FirewallRules.TableName}\n{script}", cancellationToken);

    /// <summary>Removes the table if it exists.</summary>
    public Task RemoveAsync(CancellationToken cancellationToken) => ApplyAsync(string.Empty, cancellationToken);

    private async Task RunAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(_nft, ["-f", "-"])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{_nft}'.");
        await process.StandardInput.WriteAsync(script.AsMemory(), cancellationToken).ConfigureAwait(false);
        process.StandardInput.Close();
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft failed (exit {process.ExitCode}): {(await errors.ConfigureAwait(false)).Trim()}");
        }
    }
}
