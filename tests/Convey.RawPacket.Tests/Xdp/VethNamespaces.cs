using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Convey.RawPacket.Tests.Xdp;

/// <summary>
/// Two network namespaces of this test run joined by a veth pair: <see cref="Peer"/> (198.18.0.1, the client side)
/// and <see cref="Local"/> (198.18.0.2, where the XDP program and the AF_XDP socket live), both with interface eth0.
/// Code runs inside one of them on a thread of its own that entered it with setns. Disposing deletes both.
/// </summary>
internal sealed partial class VethNamespaces : IDisposable
{
    public const string PeerAddress = "198.18.0.1";
    public const string LocalAddress = "198.18.0.2";
    public const string LocalAddress6 = "2001:2::2";
    public const ulong LocalMac = 0x02_00_c6_12_00_02;
    public const ulong PeerMac = 0x02_00_c6_12_00_01;
    private const int CloneNewNet = 0x40000000;
    private static int _instances;

    private VethNamespaces(string prefix)
    {
        Peer = prefix + "a";
        Local = prefix + "b";
    }

    public string Peer { get; }

    public string Local { get; }

    /// <summary>Why these tests cannot run here, or null when they can.</summary>
    public static string? WhyUnavailable() =>
        !OperatingSystem.IsLinux() ? "AF_XDP needs Linux"
        : !Environment.IsPrivilegedProcess ? "the AF_XDP tests need root (bpf, network namespaces)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "'ip' is missing (apt-get install iproute2)"
        : CanUseBpf.Value ? null
        : "this root cannot use bpf(2) (a container without CAP_BPF/CAP_SYS_ADMIN, or a kernel without CONFIG_BPF_SYSCALL)";

    private static readonly Lazy<bool> CanUseBpf = new(() =>
    {
        try
        {
            using var map = Convey.RawPacket.Xdp.BpfMap.Create(Convey.RawPacket.Interop.Libc.BPF_MAP_TYPE_HASH, 4, 4, 1, "probe");
            return true;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>Creates the namespaces; <paramref name="channels"/> receive queues on each veth end.</summary>
    public static VethNamespaces Create(int channels = 1)
    {
        var prefix = $"cvx{Environment.ProcessId % 100000}-{Interlocked.Increment(ref _instances)}";
        var pair = new VethNamespaces(prefix);
        try
        {
            Run("ip", "netns", "add", pair.Peer);
            Run("ip", "netns", "add", pair.Local);
            var queues = channels.ToString(CultureInfo.InvariantCulture);
            Run("ip", "-n", pair.Peer, "link", "add", "eth0", "numtxqueues", queues, "numrxqueues", queues, "address", Mac(PeerMac), "type", "veth",
                "peer", "name", "eth0", "netns", pair.Local, "numtxqueues", queues, "numrxqueues", queues, "address", Mac(LocalMac));
            foreach (var (ns, address, address6) in new[] { (pair.Peer, PeerAddress, "2001:2::1"), (pair.Local, LocalAddress, LocalAddress6) })
            {
                Run("ip", "-n", ns, "link", "set", "lo", "up");
                Run("ip", "-n", ns, "addr", "add", address + "/24", "dev", "eth0");
                Run("ip", "-n", ns, "addr", "add", address6 + "/64", "dev", "eth0", "nodad");
                Run("ip", "-n", ns, "link", "set", "eth0", "up");
            }

            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> inside namespace <paramref name="ns"/> on a thread of its own and waits for it.</summary>
    public static T In<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(ns);
                result = action();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException($"in namespace {ns}: {failure.Message}", failure);
    }

    /// <summary>
    /// Starts <paramref name="action"/> inside namespace <paramref name="ns"/> on a background thread of its own; what it
    /// throws goes to <paramref name="failed"/> (an exception escaping a thread would end the whole test run).
    /// </summary>
    public static Thread Start(string ns, Action action, Action<Exception> failed)
    {
        var thread = new Thread(() =>
        {
            try
            {
                Enter(ns);
                action();
            }
            catch (Exception exception)
            {
                failed(exception);
            }
        })
        { IsBackground = true };
        thread.Start();
        return thread;
    }

    /// <summary>Runs a command inside <paramref name="ns"/>; its exit code and output.</summary>
    public static (int ExitCode, string Output) Exec(string ns, params string[] command)
    {
        var start = new ProcessStartInfo("ip", ["netns", "exec", ns, .. command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill();
            throw new TimeoutException($"{string.Join(' ', command)} in {ns} did not end within 30 s");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>The interface index of eth0 in <paramref name="ns"/>.</summary>
    public static int InterfaceIndex(string ns) =>
        In(ns, () => System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces().Single(n => n.Name == "eth0").GetIPProperties().GetIPv4Properties().Index);

    public void Dispose()
    {
        foreach (var ns in new[] { Peer, Local })
        {
            using var delete = Process.Start(new ProcessStartInfo("ip", ["netns", "del", ns]) { RedirectStandardError = true })!;
            delete.WaitForExit();
        }
    }

    private static void Enter(string ns)
    {
        using var handle = File.OpenHandle($"/var/run/netns/{ns}");
        if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns({ns}) failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }

    private static string Mac(ulong mac) =>
        string.Join(':', Enumerable.Range(0, 6).Select(i => ((byte)(mac >> (40 - (8 * i)))).ToString("x2", CultureInfo.InvariantCulture)));

    private static void Run(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int type);
}
