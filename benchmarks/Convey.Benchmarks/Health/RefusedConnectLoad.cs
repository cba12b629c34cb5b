using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Convey.Benchmarks.Health;

/// <summary>
/// Opens connections to a frontend at a steady rate (paced every few milliseconds, at most <see cref="MaxInFlight"/>
/// open at once) and waits for the proxy to close each one; when the frontend's servers refuse, every connection is
/// one connect failure the engine reports to passive health.
/// </summary>
internal sealed class RefusedConnectLoad
{
    private const int MaxInFlight = 256;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);
    private readonly IPEndPoint _frontend;
    private readonly double _perSecond;
    private int _inFlight;

    public RefusedConnectLoad(IPEndPoint frontend, double perSecond)
    {
        _frontend = frontend;
        _perSecond = perSecond;
    }

    /// <summary>Connections opened so far.</summary>
    public long Started { get; private set; }

    /// <summary>Connections not opened because <see cref="MaxInFlight"/> were still open.</summary>
    public long Shed { get; private set; }

    /// <summary>Runs until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var begun = Stopwatch.GetTimestamp();
        long due = 0;
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var target = (long)(Stopwatch.GetElapsedTime(begun).TotalSeconds * _perSecond);
                for (; due < target; due++)
                {
                    if (Volatile.Read(ref _inFlight) >= MaxInFlight)
                    {
                        Shed++;
                        continue;
                    }

                    Interlocked.Increment(ref _inFlight);
                    Started++;
                    _ = AttemptAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The phase is over.
        }
    }

    private async Task AttemptAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(AttemptTimeout);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(_frontend, timeout.Token);
            var buffer = new byte[16];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Closed or reset by the proxy once its server refused: that is the point.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
