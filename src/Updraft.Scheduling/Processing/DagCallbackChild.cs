using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Dags.Loading;
using Updraft.Execution.Testing;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// Runs a DAG's callbacks inside a DAG-file child process: loads the code of the run's DAG version, runs the DAG's
/// <c>OnSuccess</c> or <c>OnFailure</c> with their lines in the request's log file (secrets masked), and asks the
/// parent for each connection and variable they read, so this process holds no database credentials.
/// </summary>
internal static class DagCallbackChild
{
    public static async Task RunAsync(DagFileRequest request, DagCallbackWork work, TextReader input, TextWriter output, DagBagLoader loader, CancellationToken cancellationToken)
    {
        using var lookups = new ParentSecrets(input, output);
        string? error = null;
        var failed = 0;
        Directory.CreateDirectory(Path.GetDirectoryName(work.LogPath)!);
        await using (var file = new StreamWriter(new FileStream(work.LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true })
        {
            var masker = new SecretMasker();
            var log = new TaskLogger(new TextTaskLogSink(file), TimeProvider.System, "callback", masker);
            var bag = loader.LoadCode(new DagCode(request.SourceHash, request.Path, request.Content), request.Shared);
            if (!bag.Dags.TryGetValue(work.DagId, out var loaded))
            {
                error = bag.ImportErrors.Count > 0 ? bag.ImportErrors[0].ToString() : $"{request.Path} does not define DAG '{work.DagId}'.";
                log.Error($"Cannot run {work.Event} of {work.DagId}: {error}");
            }
            else
            {
                var dag = loaded.Dag;
                var success = work.Event == "on_success_callback";
                var conf = JsonNode.Parse(work.Conf) as JsonObject ?? [];
                var run = new DagRunContext(work.DagId, work.RunId, RunIds.ParseType(work.RunType), work.LogicalDate, new Core.Timetables.DataInterval(work.DataIntervalStart, work.DataIntervalEnd))
                {
                    Conf = conf,
                    Params = dag.Params.Resolve(conf),
                };
                var secrets = new MaskingSecretStores(lookups, lookups, masker);
                log.Info($"Running {work.Event} of DAG {work.DagId} for run {work.RunId}");
                // A missed deadline is called while the run goes on: it has no final state.
                var deadline = work.Event == "deadline_missed";
                var callbacks = deadline ? dag.Deadline?.Callback ?? [] : success ? dag.OnSuccess : dag.OnFailure;
                failed = await callbacks.RunAsync(new CallbackContext
                {
                    Event = work.Event,
                    DagRun = run,
                    RunState = deadline ? null : success ? DagRunState.Success : DagRunState.Failed,
                    Reason = work.Reason,
                    Log = log,
                    Variables = secrets,
                    Connections = secrets,
                    CancellationToken = cancellationToken,
                });
            }
        }

        await lookups.SendAsync(new DagCallbackMessage("done") { Error = error, Failed = failed }, cancellationToken);
    }


    /// <summary>Connections and variables asked of the parent, one question at a time over the process's pipes.</summary>
    private sealed class ParentSecrets(TextReader input, TextWriter output) : IVariableStore, IConnectionStore, IDisposable
    {
        private readonly SemaphoreSlim _one = new(1, 1);

        public void Dispose() => _one.Dispose();

        public async Task<string?> GetAsync(string key, CancellationToken cancellationToken = default) =>
            (await AskAsync("variable", key, cancellationToken))?.GetValue<string>();

        async Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken) =>
            await AskAsync("connection", connId, cancellationToken) is JsonObject json ? Connection.FromJson(connId, json.ToJsonString()) : null;

        public async Task SendAsync(DagCallbackMessage message, CancellationToken cancellationToken)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(message, ChildProcessDagFileParser.Json).AsMemory(), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }

        private async Task<JsonNode?> AskAsync(string type, string key, CancellationToken cancellationToken)
        {
            await _one.WaitAsync(cancellationToken);
            try
            {
                await SendAsync(new DagCallbackMessage(type) { Key = key }, cancellationToken);
                var line = await input.ReadLineAsync(cancellationToken) ?? throw new IOException("The DAG processor closed the pipe.");
                return JsonSerializer.Deserialize<DagCallbackMessage>(line, ChildProcessDagFileParser.Json)?.Value;
            }
            finally
            {
                _one.Release();
            }
        }
    }
}
