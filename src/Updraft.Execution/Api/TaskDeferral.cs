using System.Text.Json.Nodes;

namespace Updraft.Execution.Api;

/// <summary>
/// What a try defers on (Airflow's <c>TIDeferredStatePayload</c>): the trigger's type (<see cref="Classpath"/>, its full
/// .NET name) and stored arguments, the method the task resumes in with the values it hands itself, and how long the
/// wait may last.
/// </summary>
public sealed record TaskDeferral(string Classpath, JsonObject TriggerKwargs, string NextMethod, JsonObject? NextKwargs = null, TimeSpan? TriggerTimeout = null);
