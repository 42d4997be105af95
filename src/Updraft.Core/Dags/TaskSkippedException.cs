namespace Updraft.Core.Dags;

/// <summary>Thrown by a task to end itself as skipped (Airflow's AirflowSkipException).</summary>
public sealed class TaskSkippedException(string message = "Task skipped.") : Exception(message);
