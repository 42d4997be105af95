using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// The loop inside a worker process: read <see cref="PipeMessage"/> lines from the executor (a <c>run</c> request, or
/// the answer to one of the try's execution API calls), run one try at a time, and write its calls and its final
/// <c>done</c> reply; exit when the input ends or a task left the process unfit to continue. Task code that writes to
/// the console writes to standard error (or the try's log), so the protocol on standard output stays clean.
/// </summary>
public static class WorkerProcessHost
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // States travel by their Airflow names (up_for_retry), as they are stored.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Runs the loop; <paramref name="runnerFor"/> builds the runner once, around the pipe's execution API.</summary>
    public static async Task<int> RunAsync(TextReader input, TextWriter protocol, Func<Updraft.Execution.Api.IExecutionApi, TaskInstanceRunner> runnerFor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(runnerFor);
        using var api = new PipeExecutionApi(protocol);
        var runner = runnerFor(api);
        using var exit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<int>? running = null;
        var code = 0;
        try
        {
            while (await input.ReadLineAsync(exit.Token) is { } line)
            {
                var message = JsonSerializer.Deserialize<PipeMessage>(line, Json) ?? throw new InvalidDataException("Empty worker message.");
                if (message.Type == "result")
                {
                    api.Complete(message);
                }
                else if (message.Type == "run" && message.Request is { } request)
                {
                    running = RunOneAsync(api, runner, request, exit, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (exit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A try left this process unfit to go on, or failed outside the task: stop reading.
        }

        if (running is { IsCompleted: false } && !exit.IsCancellationRequested)
        {
            // The executor is gone (its process died) while a try runs here: nothing can record that try any more,
            // so it is stopped at once rather than left running unseen; the scheduler that takes over retries it.
            await Console.Error.WriteLineAsync("worker: the executor closed the pipe while a try was running; stopping it.");
            ProcessTree.KillDescendants(Environment.ProcessId);
            return ProcessTree.LostTryExitCode;
        }

        api.Abandon();
        if (running is not null)
        {
            code = await running;
        }

        return code;
    }

    private static async Task<int> RunOneAsync(PipeExecutionApi api, TaskInstanceRunner runner, WorkerRequest request, CancellationTokenSource exit, CancellationToken cancellationToken)
    {
        WorkerReply reply;
        try
        {
            reply = await runner.RunAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Failures outside the task (the executor's answers, the file system) end this worker; the executor reports the try lost.
            await Console.Error.WriteLineAsync($"worker: {e.GetType().Name}: {e.Message}");
            await exit.CancelAsync();
            return 1;
        }

        await api.SendAsync(new PipeMessage("done") { Reply = reply with { LoadedDagIds = runner.LoadedDagIds } }, cancellationToken);
        if (reply.Exiting)
        {
            await exit.CancelAsync();
        }

        return 0;
    }
}
