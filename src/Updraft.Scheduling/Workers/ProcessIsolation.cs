using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// Runs isolated tasks in a fresh <c>updraft task-process</c> each: sends it the DAG code the try runs
/// (<paramref name="codeOf"/>), the task and its context; answers its XCom, variable and connection questions from the
/// try's own stores; writes its log lines to the try's log; and returns its result or throws how it ended. The child
/// holds no database credentials. A cancelled try (timeout, lost) kills the child.
/// </summary>
public sealed class ProcessIsolation(WorkerCommand command, Func<Operator, (DagCode Code, DagCode? Shared)> codeOf) : ITaskIsolation
{
    public async Task<object?> ExecuteAsync(Operator task, TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(context);
        var run = context.DagRun;
        var (code, shared) = codeOf(task);
        var request = new IsolatedTaskRequest(
            code, run.DagId, task.TaskId, context.MapIndex, context.TryNumber, context.MaxTries, run.RunId, RunIds.Prefix(run.RunType),
            run.LogicalDate, run.DataInterval.Start, run.DataInterval.End, run.Conf, context.Rendered) { Shared = shared };
        context.Log.Info($"Running {task.TaskId} in a fresh process");
        await using var child = ChildProcess.Start(command);
        using var kill = context.CancellationToken.Register(child.Kill);
        try
        {
            await child.WriteLineAsync(JsonSerializer.Serialize(request, WorkerProcessHost.Json), context.CancellationToken);
            while (await child.ReadLineAsync(context.CancellationToken) is { } line)
            {
                if (Parse(line) is not { } message)
                {
                    // Not the protocol: something in the task (a native library) wrote to the process's standard
                    // output directly. Keep it as a log line.
                    context.Log.Info(line);
                    continue;
                }

                if (message.Type == "done")
                {
                    return Finish(message, context);
                }

                if (message.Type == "log")
                {
                    context.Log.ForSource(message.Source ?? task.TaskId).Write(ParseLevel(message.Level), message.Message ?? "");
                    continue;
                }

                var answer = await AnswerAsync(message, context);
                await child.WriteLineAsync(JsonSerializer.Serialize(new IsolatedTaskMessage("result") { Value = answer }, WorkerProcessHost.Json), context.CancellationToken);
            }
        }
        catch (IOException) when (!context.CancellationToken.IsCancellationRequested)
        {
            // The pipe broke: the child died; say how below.
        }

        context.CancellationToken.ThrowIfCancellationRequested();
        throw new IsolatedTaskException($"The process running {task.TaskId} stopped: {await child.DescribeExitAsync("task", " while running the task")}.");
    }

    private static JsonNode? Finish(IsolatedTaskMessage done, TaskContext context)
    {
        if (done.Skip is { Count: > 0 } skip)
        {
            context.SkipDownstream(skip);
        }

        return done.Outcome switch
        {
            "success" => done.Result is null ? null : JsonNode.Parse(done.Result),
            "skipped" => throw new TaskSkippedException(done.Message ?? "Task skipped."),
            "failed" => throw new TaskFailedException(done.Message ?? "Task failed."),
            _ => throw new IsolatedTaskException(done.Message ?? "The task failed in its process."),
        };
    }

    private static async Task<JsonNode?> AnswerAsync(IsolatedTaskMessage message, TaskContext context) => message.Type switch
    {
        "xcom_get" => await context.XComStore.GetAsync(message.XCom!, context.CancellationToken) is { } json ? JsonValue.Create(json) : null,
        "xcom_mapped" => JsonSerializer.SerializeToNode(
            await context.XComStore.GetMappedAsync(message.XCom!.DagId, message.XCom.RunId, message.XCom.TaskId, message.XCom.Key, context.CancellationToken)),
        "xcom_set" => await SetAsync(message, context),
        "variable" => await context.Variables.GetAsync(message.Key ?? "", context.CancellationToken) is { } value ? JsonValue.Create(value) : null,
        "connection" => (await context.Connections.GetAsync(message.Key ?? "", context.CancellationToken))?.ToJson(),
        _ => throw new InvalidDataException($"Unknown question '{message.Type}' from a task process."),
    };

    private static async Task<JsonNode?> SetAsync(IsolatedTaskMessage message, TaskContext context)
    {
        // Only the try's own task instance, as the execution API allows.
        var key = message.XCom!;
        if (key.DagId != context.DagId || key.RunId != context.RunId || key.TaskId != context.TaskId || key.MapIndex != context.MapIndex)
        {
            throw new InvalidDataException($"A task process may write only its own task instance's XComs, not those of {key.DagId}.{key.TaskId}.");
        }

        await context.XComStore.SetAsync(key, (string?)message.Value ?? "null", context.CancellationToken);
        return null;
    }

    private static IsolatedTaskMessage? Parse(string line)
    {
        if (!line.StartsWith("{\"type\":", StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<IsolatedTaskMessage>(line, WorkerProcessHost.Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static TaskLogLevel ParseLevel(string? level) => Enum.TryParse<TaskLogLevel>(level, ignoreCase: true, out var parsed) ? parsed : TaskLogLevel.Info;
}
