using Updraft.Core.Dags;
using Updraft.Core.Serialization;

namespace Updraft.Core.Tests.Dags;

public sealed class DeadlineTests
{
    private static readonly DateTimeOffset Queued = new(2025, 3, 1, 6, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Logical = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Serialized_CountsFromTheReference()
    {
        var queued = SerializedDeadline.From(new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromMinutes(15), [_ => Task.CompletedTask]))!;
        var logical = SerializedDeadline.From(new DeadlineAlert(DeadlineReference.DagRunLogicalDate, TimeSpan.FromHours(2), [_ => Task.CompletedTask]))!;
        var fixedAt = SerializedDeadline.From(DeadlineAlert.At(new DateTimeOffset(2025, 3, 2, 1, 0, 0, TimeSpan.FromHours(1)), [_ => Task.CompletedTask]))!;

        Assert.Equal(Queued.AddMinutes(15), queued.DeadlineFor(Queued, Logical));
        Assert.Equal(Logical.AddHours(2), logical.DeadlineFor(Queued, Logical));
        Assert.Equal(new DateTimeOffset(2025, 3, 2, 0, 0, 0, TimeSpan.Zero), fixedAt.DeadlineFor(Queued, Logical));
        Assert.Equal("dagrun_queued_at + 900 s", queued.Describe());
        Assert.Null(SerializedDeadline.From(null));
        var never = SerializedDeadline.From(new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.MaxValue, [_ => Task.CompletedTask]))!;
        Assert.Equal(DateTimeOffset.MaxValue, never.DeadlineFor(Queued, Logical));
    }

    [Fact]
    public void ADeadlineWithoutACallback_OrBeforeTheRunIsQueued_IsADefinitionError()
    {
        var silent = new Dag("silent") { Deadline = new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromMinutes(5), []) };
        silent.Empty("a");
        Assert.Contains("has a deadline without a callback", Assert.Throws<DagDefinitionException>(silent.Validate).Message);

        var early = new Dag("early") { Deadline = new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromMinutes(-5), [_ => Task.CompletedTask]) };
        early.Empty("a");
        Assert.Contains("must not be negative", Assert.Throws<DagDefinitionException>(early.Validate).Message);

        Assert.Contains("DeadlineAlert.At", Assert.Throws<ArgumentException>(() => new DeadlineAlert(DeadlineReference.FixedDateTime, TimeSpan.Zero, [])).Message);
    }
}
