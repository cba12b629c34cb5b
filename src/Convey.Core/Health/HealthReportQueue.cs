using System.Threading.Channels;

namespace Convey.Health;

/// <summary>
/// Carries health reports from whoever observes them (probes; engines on their event loops and packet workers) to
/// one reader that applies them on its own task. Posting never blocks, never runs the apply on the poster's thread
/// and logs nothing. The reader takes what has queued up as one batch (at most <see cref="MaxBatch"/>), applies
/// every report of it, then calls its batch callback once if any report changed something: many health flips in a
/// burst cost one selector rebuild, not one each.
/// </summary>
internal sealed class HealthReportQueue
{
    /// <summary>The most reports applied before the batch callback runs, so a steady stream still rebuilds now and then.</summary>
    internal const int MaxBatch = 1024;

    // Continuations never run inline on a writer: a report posted from an event loop returns to it at once.
    private readonly Channel<Entry> _entries = Channel.CreateUnbounded<Entry>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Func<ServerHealthReport, bool> _apply;
    private readonly Action _batchChanged;
    private readonly Task _reading;

    /// <param name="apply">Applies one report; returns whether it changed a server's health. Must not throw.</param>
    /// <param name="batchChanged">Runs after a batch in which <paramref name="apply"/> changed something. Must not throw.</param>
    public HealthReportQueue(Func<ServerHealthReport, bool> apply, Action batchChanged)
    {
        _apply = apply;
        _batchChanged = batchChanged;
        using (ExecutionContext.SuppressFlow())
        {
            _reading = Task.Run(ReadAsync);
        }
    }

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
                _batchChanged();
            }

            foreach (var applied in waiting)
            {
                applied.TrySetResult();
            }

            waiting.Clear();
        }
    }

    /// <summary>A report, or a marker whose task completes when the reader reaches it.</summary>
    private readonly record struct Entry(ServerHealthReport Report, TaskCompletionSource? Applied);
}
