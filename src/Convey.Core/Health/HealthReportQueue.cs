using System.Threading.Channels;

namespace Convey.Health;

/// <summary>
/// Carries health reports from whoever observes them (probes; engines on their event loops and packet workers) to
/// one reader that applies them on its own task. Posting never blocks, never runs the apply on the poster's thread
/// and logs nothing. The reader takes what has queued up as one batch (at most <see cref="MaxBatch"/>), applies
/// every report of it, then calls its batch callback once if any report changed something: many health flips in a
/// burst cost one selector rebuild, not one each. After a callback the reader rests <see cref="RestFactor"/> times
/// as long as the callback took before the next batch, so however fast servers flap, rebuilding one pool's selector
/// (a Maglev table of a large pool costs milliseconds) takes at most a tenth of a core; reports keep queueing and
/// the next batch takes them all.
/// </summary>
internal sealed class HealthReportQueue
{
    /// <summary>The most reports applied before the batch callback runs, so a steady stream still rebuilds now and then.</summary>
    internal const int MaxBatch = 1024;

    /// <summary>How many times the last batch callback's duration the reader rests before the next batch.</summary>
    internal const int RestFactor = 9;

    // Continuations never run inline on a writer: a report posted from an event loop returns to it at once.
    private readonly Channel<Entry> _entries = Channel.CreateUnbounded<Entry>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Func<ServerHealthReport, bool> _apply;
    private readonly Action _batchChanged;
    private readonly TimeProvider _time;
    private readonly Task _reading;

    /// <param name="apply">Applies one report; returns whether it changed a server's health. Must not throw.</param>
    /// <param name="batchChanged">Runs after a batch in which <paramref name="apply"/> changed something. Must not throw.</param>
    /// <param name="time">Measures the callback and times the rest after it.</param>
    public HealthReportQueue(Func<ServerHealthReport, bool> apply, Action batchChanged, TimeProvider time)
    {
        _apply = apply;
        _batchChanged = batchChanged;
        _time = time;
        using (ExecutionContext.SuppressFlow())
        {
            _reading = Task.Run(ReadAsync);
        }
    }

    /// <summary>Raised when the reader begins to rest after a batch callback (its timer armed), with the length of the rest; lets tests advance a fake clock safely.</summary>
    internal event Action<TimeSpan>? Resting;

    /// <summary>Queues a report; false once the queue is completed. Safe from any thread; allocates nothing of its own.</summary>
    public bool TryPost(in ServerHealthReport report) => _entries.Writer.TryWrite(new Entry(report, null));

    /// <summary>
    /// Completes when every report posted before this call has been applied and its batch callback has run (at once
    /// when the queue is completed and drained).
    /// </summary>
    public Task AppliedAsync()
    {
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_entries.Writer.TryWrite(new Entry(default, applied)))
        {
            return _reading;
        }

        return applied.Task;
    }

    /// <summary>Refuses new reports; the reader applies those already queued, then ends.</summary>
    public void Complete() => _entries.Writer.TryComplete();

    /// <summary>Refuses new reports and returns when those already queued have been applied.</summary>
    public Task CompleteAsync()
    {
        Complete();
        return _reading;
    }

    private async Task ReadAsync()
    {
        var reader = _entries.Reader;
        var waiting = new List<TaskCompletionSource>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var changed = false;
            var rest = TimeSpan.Zero;
            for (var taken = 0; taken < MaxBatch && reader.TryRead(out var entry); taken++)
            {
                if (entry.Applied is { } applied)
                {
                    waiting.Add(applied);
                }
                else
                {
                    changed |= _apply(entry.Report);
                }
            }

            if (changed)
            {
                var started = _time.GetTimestamp();
                _batchChanged();
                rest = _time.GetElapsedTime(started) * RestFactor;
            }

            foreach (var applied in waiting)
            {
                applied.TrySetResult();
            }

            waiting.Clear();
            if (rest > TimeSpan.Zero)
            {
                var resting = Task.Delay(rest, _time);
                Resting?.Invoke(rest);
                await resting.ConfigureAwait(false);
            }
        }
    }

    /// <summary>A report, or a marker whose task completes when the reader reaches it.</summary>
    private readonly record struct Entry(ServerHealthReport Report, TaskCompletionSource? Applied);
}
