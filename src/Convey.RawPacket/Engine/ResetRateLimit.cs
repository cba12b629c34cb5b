namespace Convey.RawPacket.Engine;

/// <summary>
/// How many resets per second the engine may send for segments of flows it does not track (<c>[passthrough]
/// reset_rate</c>), with a burst of at most one second's worth: anyone can send such segments, from forged sources, and
/// the engine must not become a generator of packets towards a victim. Safe to call from several receive threads.
/// </summary>
/// <remarks>
/// The generic cell rate algorithm: one timestamp, the moment the budget would be whole again, moved forward by one
/// interval per reset with a compare-and-swap, so the per-packet path takes no lock and allocates nothing (the BCL's
/// <c>TokenBucketRateLimiter</c> locks, hands out leases and replenishes on a timer of its own rather than the engine's
/// <see cref="TimeProvider"/>).
/// </remarks>
internal sealed class ResetRateLimit
{
    /// <summary>The rate unless configured: the kernel's own default for ICMP errors (<c>net.ipv4.icmp_msgs_per_sec</c>).</summary>
    public const int DefaultRate = 1000;

    private const int Attempts = 4;

    private readonly TimeProvider _time;
    private int _rate;
    private long _interval;
    private long _fullAgainAt;

    public ResetRateLimit(TimeProvider time, int rate = DefaultRate)
    {
        _time = time;
        Rate = rate;
    }

    /// <summary>Resets per second; 0 sends none (the segments are only dropped).</summary>
    public int Rate
    {
        get => Volatile.Read(ref _rate);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _rate, value);
            Volatile.Write(ref _interval, value == 0 ? 0 : Math.Max(1, _time.TimestampFrequency / value));
        }
    }

    /// <summary>Takes one reset from the budget; false when the rate is spent (or 0).</summary>
    public bool TryTake()
    {
        var interval = Volatile.Read(ref _interval);
        if (interval == 0)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        var burst = _time.TimestampFrequency;
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var fullAgainAt = Volatile.Read(ref _fullAgainAt);
            var next = Math.Max(fullAgainAt, now) + interval;
            if (next - now > burst)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _fullAgainAt, next, fullAgainAt) == fullAgainAt)
            {
                return true;
            }
        }

        // Other workers took resets at this very moment: this segment goes unanswered, as it would over the rate.
        return false;
    }
}
