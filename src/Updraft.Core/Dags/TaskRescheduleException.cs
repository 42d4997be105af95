namespace Updraft.Core.Dags;

/// <summary>
/// Thrown by a sensor in reschedule mode that is not done yet (Airflow's <c>AirflowRescheduleException</c>): the try ends
/// <c>up_for_reschedule</c>, gives its worker slot back, and pokes again at <see cref="RescheduleDate"/> under the same
/// try number.
/// </summary>
public sealed class TaskRescheduleException(DateTimeOffset rescheduleDate)
    : Exception($"Rescheduling: the next poke is due at {Runtime.Iso.Format(rescheduleDate)}.")
{
    public DateTimeOffset RescheduleDate { get; } = rescheduleDate;
}
