namespace Updraft.Core.Dags;

/// <summary>Thrown by a task to fail at once, without retries (Airflow's AirflowFailException).</summary>
public sealed class TaskFailedException(string message) : Exception(message);
