using System.Threading.Channels;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// A clock the test moves by hand, with timers (so <c>Task.Delay(…, timeProvider)</c>) that fire only when
/// <see cref="Advance"/> passes their due time; each timer set is reported in <see cref="Timers"/>.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<Timer> _timers = [];
    private readonly Channel<TimeSpan> _set = Channel.CreateUnbounded<TimeSpan>();
    private DateTimeOffset _now = start;

    /// <summary>The due time of every timer set (or changed), from the moment it was set.</summary>
    public ChannelReader<TimeSpan> Timers => _set.Reader;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>Moves the clock on; fires the timers now due and returns how many fired.</summary>
    public int Advance(TimeSpan by)
    {
        List<Timer> due;
        lock (_gate)
        {
            _now += by;
            due = [.. _timers.Where(t => t.Due <= _now)];
            foreach (var timer in due)
            {
                _timers.Remove(timer);
            }
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }

        return due.Count;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new Timer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class Timer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset Due { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // One-shot timers are all Task.Delay sets; a period would need re-arming, which no caller here uses.
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                Due = clock._now + dueTime;
                clock._timers.Add(this);
            }

            clock._set.Writer.TryWrite(dueTime);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
