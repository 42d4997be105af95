using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// The loop inside a worker process: read a <see cref="WorkerRequest"/> line, run it, write a <see cref="WorkerReply"/>
/// line; exit when the input ends or a task left the process unfit to continue. Task code that writes to the
/// console writes to standard error, so the protocol on standard output stays clean.
/// </summary>
public static class WorkerProcessHost
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // States travel by their Airflow names (up_for_retry), as they are stored.
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static async Task<int> RunAsync(TextReader input, TextWriter protocol, TaskInstanceRunner runner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(runner);

        // Load the DAG files (from the compile cache) and warm the database path before the first request, which
        // waits in the pipe meanwhile: no task then pays for this worker's start-up.
        await runner.WarmUpAsync(cancellationToken);
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            var request = JsonSerializer.Deserialize<WorkerRequest>(line, Json) ?? throw new InvalidDataException("Empty worker request.");
            WorkerReply reply;
            try
            {
                reply = await runner.RunAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Failures outside the task (database, file system) end this worker; the executor reports the try lost.
                await Console.Error.WriteLineAsync($"worker: {e.GetType().Name}: {e.Message}");
                return 1;
            }

            await protocol.WriteLineAsync(JsonSerializer.Serialize(reply with { LoadedDagIds = runner.LoadedDagIds }, Json));
            await protocol.FlushAsync(cancellationToken);
            if (reply.Exiting)
            {
                return 0;
            }
        }

        return 0;
    }
}
