using Updraft.Core.States;

namespace Updraft.Core.Tests.States;

public sealed class TransitionTableTests
{
    // The whole task-instance lifecycle, one row per "from" state, one column per "to" state, in enum order:
    // none, scheduled, queued, running, success, failed, skipped, upstream_failed, up_for_retry, up_for_reschedule,
    // deferred, removed, restarting. "x" = allowed, "." = refused. Written out by hand, so a change to the table in
    // the code must be made here too, on purpose.
    private static readonly string[] TaskMatrix =
    [
        /* none              */ ". x x . x x x x . . . x .",
        /* scheduled         */ "x . x . x x x x . . . x .",
        /* queued            */ "x x . x x x . . x . . x x",
        /* running           */ ". . . . x x x . x x x x x",
        /* success           */ "x . . . . x . . . . . x .",
        /* failed            */ "x . . . x . . . . . . x .",
        /* skipped           */ "x . . . x x . . . . . x .",
        /* upstream_failed   */ "x . . . x x . . . . . x .",
        /* up_for_retry      */ "x x x . x x . . . . . x .",
        /* up_for_reschedule */ "x x . . x x . . . . . x .",
        /* deferred          */ "x x . . x x . . x . . x x",
        /* removed           */ "x . . . . . . . . . . . .",
        /* restarting        */ "x . . . x x . . . . . x .",
    ];

    private static readonly string[] RunMatrix =
    [
        /* queued  */ ". x x x",
        /* running */ "x . x x",
        /* success */ "x . . x",
        /* failed  */ "x . x .",
    ];

    public static TheoryData<TaskInstanceState, TaskInstanceState, bool> TaskMoves()
    {
        var data = new TheoryData<TaskInstanceState, TaskInstanceState, bool>();
        var states = Enum.GetValues<TaskInstanceState>();
        for (var from = 0; from < states.Length; from++)
        {
            var cells = TaskMatrix[from].Split(' ');
            for (var to = 0; to < states.Length; to++)
            {
                data.Add(states[from], states[to], cells[to] == "x");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(TaskMoves))]
    public void TaskInstance_EveryMove_AllowedOnlyWhereTheLifecycleSays(TaskInstanceState from, TaskInstanceState to, bool allowed)
    {
        Assert.Equal(allowed, TaskInstanceTransitions.IsAllowed(from, to));
        if (allowed)
        {
            TaskInstanceTransitions.Require([from], to);
        }
        else
        {
            var error = Assert.Throws<InvalidOperationException>(() => TaskInstanceTransitions.Require([from], to));
            Assert.Equal($"A task instance may not move from {from.ToWireName()} to {to.ToWireName()}.", error.Message);
        }
    }

    [Fact]
    public void Into_UpForRetry_OnlyFromTriesThatWereTaken()
    {
        Assert.Equal(
            [TaskInstanceState.Queued, TaskInstanceState.Running, TaskInstanceState.Deferred],
            TaskInstanceTransitions.Into(TaskInstanceState.UpForRetry).Order());
    }

    public static TheoryData<DagRunState, DagRunState, bool> RunMoves()
    {
        var data = new TheoryData<DagRunState, DagRunState, bool>();
        var states = Enum.GetValues<DagRunState>();
        for (var from = 0; from < states.Length; from++)
        {
            var cells = RunMatrix[from].Split(' ');
            for (var to = 0; to < states.Length; to++)
            {
                data.Add(states[from], states[to], cells[to] == "x");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RunMoves))]
    public void DagRun_EveryMove_AllowedOnlyWhereTheLifecycleSays(DagRunState from, DagRunState to, bool allowed)
    {
        Assert.Equal(allowed, DagRunTransitions.IsAllowed(from, to));
        if (!allowed)
        {
            Assert.Throws<InvalidOperationException>(() => DagRunTransitions.Require(from, to));
        }
    }
}
