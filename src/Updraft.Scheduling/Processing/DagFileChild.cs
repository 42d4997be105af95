using System.Text.Json;
using Updraft.Core.Serialization;
using Updraft.Dags.Loading;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// The loop inside a DAG-file child process (<c>updraft dag-file-processor</c>): read a <see cref="DagFileRequest"/>
/// line, build that content's DAGs, write a <see cref="DagFileReply"/> line. Whatever the file does in <c>Build()</c>
/// (overflow the stack, exit, hang, exhaust memory) happens in this process, which its parent can kill.
/// </summary>
public static class DagFileChild
{
    public static async Task<int> RunAsync(TextReader input, TextWriter output, DagBagLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(loader);
        while (await input.ReadLineAsync(cancellationToken) is { } line)
        {
            var request = JsonSerializer.Deserialize<DagFileRequest>(line, ChildProcessDagFileParser.Json) ?? throw new InvalidDataException("Empty request.");
            if (request.Callback is { } callback)
            {
                await DagCallbackChild.RunAsync(request, callback, input, output, loader, cancellationToken);
                continue;
            }

            // Built afresh every time: a file is parsed again because it changed or because its interval is up, and
            // either way its Build() must run now.
            var bag = loader.LoadCode(new DagCode(request.SourceHash, request.Path, request.Content), request.Shared, reuse: false);
            var reply = new DagFileReply(
                [.. bag.Dags.Values.Select(d => DagSerializer.ToJson(d.Serialized))],
                bag.ImportErrors,
                Unfit: loader.AbandonedBuilds > 0);
            await output.WriteLineAsync(JsonSerializer.Serialize(reply, ChildProcessDagFileParser.Json).AsMemory(), cancellationToken);
            await output.FlushAsync(cancellationToken);
            if (reply.Unfit)
            {
                return 0;
            }
        }

        return 0;
    }
}
