using System.Collections.Concurrent;
using Updraft.Core.Runtime;

namespace Updraft.Execution.Testing;

/// <summary>
/// Questions and answers of human-in-the-loop tasks in <c>dags test</c> / <c>dag.Test()</c>: kept in memory, answered
/// by <see cref="DagTestOptions.HumanAnswers"/> when asked (or left to their timeout and defaults).
/// </summary>
internal sealed class TestHumans(Func<HumanRequest, HumanResponse?>? answers) : IHumanResponses
{
    private readonly ConcurrentDictionary<(string, string, string, int), HumanResponse> _answers = new();
    private readonly Func<HumanRequest, HumanResponse?>? _answer = answers;

    /// <summary>Where the task instance asks.</summary>
    public IHumanInput For(string dagId, string runId, string taskId, int mapIndex) => new Asker(this, (dagId, runId, taskId, mapIndex));

    public Task<HumanResponse?> GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default) =>
        Task.FromResult(_answers.TryGetValue((dagId, runId, taskId, mapIndex), out var answer) ? answer : null);

    public Task<bool> RespondAsync(string dagId, string runId, string taskId, int mapIndex, HumanResponse response, CancellationToken cancellationToken = default) =>
        Task.FromResult(_answers.TryAdd((dagId, runId, taskId, mapIndex), response));

    private sealed class Asker(TestHumans humans, (string, string, string, int) key) : IHumanInput
    {
        public Task RequestAsync(HumanRequest request, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(request);
            humans._answers.TryRemove(key, out _);
            if (humans._answer?.Invoke(request) is { } answer)
            {
                humans._answers[key] = answer;
            }
            else if (request.TimeoutAt is null || request.Defaults is not { Count: > 0 })
            {
                throw new Core.Dags.TaskFailedException(
                    $"'{request.Subject}' needs an answer, and nobody can give one here: in dag.Test() give DagTestOptions.HumanAnswers, or give the task defaults and a response timeout.");
            }

            return Task.CompletedTask;
        }
    }
}
