using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Updraft.Core.Serialization;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// Parses DAG files in child processes (<c>updraft dag-file-processor</c>), so nothing a file does in <c>Build()</c> can
/// reach the dag-processor, the scheduler or <c>standalone</c>: a child that overflows its stack, exits, runs out of
/// memory or hangs past the timeout is killed and its file reported as an import error; a child left with an
/// abandoned build is recycled. This process only lists and hashes files: one that has not changed is parsed again
/// only after <c>[scheduler] min_file_process_interval</c> (ADR 0013).
/// </summary>
public sealed class ChildProcessDagFileParser(
    WorkerCommand command,
    IgnoreSyntax ignoreSyntax,
    TimeSpan importTimeout,
    TimeSpan minFileProcessInterval,
    int children,
    TimeProvider timeProvider) : IDagFileParser
{
    /// <summary>How long a child may take over one file beyond the import timeout (compiling it, loading assemblies).</summary>
    private static readonly TimeSpan CompileAllowance = TimeSpan.FromSeconds(60);

    private readonly ConcurrentDictionary<string, Parsed> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<ChildProcess> _idle = [];

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public async Task<ParsedDagFiles> ParseAsync(IReadOnlyList<string> folders, IReadOnlySet<string>? reparse = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sharedOf = new Dictionary<string, SharedCode>(StringComparer.Ordinal);
        var folderErrors = new List<ImportError>();
        foreach (var folder in folders)
        {
            ImportError? unreadable = null;
            var shared = Directory.Exists(folder) ? SharedCode.TryRead(folder, out unreadable) : null;
            if (unreadable is not null)
            {
                folderErrors.Add(unreadable);
            }

            foreach (var file in DagFileFinder.Find(folder, ignoreSyntax).Where(seen.Add))
            {
                files.Add(file);
                if (shared is not null)
                {
                    sharedOf[file] = shared;
                }
            }
        }

        var now = timeProvider.GetUtcNow();
        var results = new Parsed[files.Count];
        var due = new ConcurrentQueue<(int Index, DagFileRequest Request)>();
        for (var i = 0; i < files.Count; i++)
        {
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(files[i], cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results[i] = new Parsed("", null, now, [], [new ImportError(files[i], 0, $"Cannot read the file: {e.Message}")], null);
                continue;
            }

            var hash = Convert.ToHexStringLower(SHA256.HashData(content));
            var shared = sharedOf.GetValueOrDefault(files[i]);
            if (_known.TryGetValue(files[i], out var known) && known.Hash == hash && known.SharedHash == shared?.Hash
                && now - known.ParsedAt < minFileProcessInterval && reparse?.Contains(files[i]) != true)
            {
                results[i] = known;
            }
            else
            {
                due.Enqueue((i, new DagFileRequest(files[i], content, hash) { Shared = shared?.ToDagCode() }));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Clamp(due.Count, 0, Math.Max(children, 1))).Select(async _ =>
        {
            while (due.TryDequeue(out var item))
            {
                results[item.Index] = _known[item.Request.Path] = await ParseOneAsync(item.Request, now, cancellationToken);
            }
        }));

        foreach (var gone in _known.Keys.Except(files, StringComparer.Ordinal))
        {
            _known.TryRemove(gone, out _);
        }

        return Combine(files, results, folderErrors);
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var child))
        {
            await child.DisposeAsync();
        }
    }

    private async Task<Parsed> ParseOneAsync(DagFileRequest request, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var child = TakeIdle() ?? ChildProcess.Start(command);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(importTimeout + CompileAllowance);
        string? line;
        try
        {
            await child.WriteLineAsync(JsonSerializer.Serialize(request, Json), limit.Token);
            line = await child.ReadLineAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            child.Kill();
            await child.DisposeAsync();
            return Failed(request, now, $"Parsing this file took longer than {(importTimeout + CompileAllowance).TotalSeconds:0} s; the process parsing it was stopped.");
        }
        catch (IOException)
        {
            line = null;
        }

        if (line is null)
        {
            var why = await child.DescribeExitAsync("DAG-file parsing", " while building this file's DAGs");
            await child.DisposeAsync();
            return Failed(request, now, $"This file stopped the process that parsed it: {why}.");
        }

        var reply = JsonSerializer.Deserialize<DagFileReply>(line, Json) ?? throw new InvalidDataException("Empty reply from a DAG-file process.");
        if (reply.Unfit)
        {
            // A build it had to abandon may still be running on one of its threads: start afresh next time.
            await child.DisposeAsync();
        }
        else
        {
            _idle.Add(child);
        }

        var dags = reply.Dags.Select(DagSerializer.FromJson).ToList();
        return new Parsed(request.SourceHash, request.Shared?.SourceHash, now, dags, reply.Errors, dags.Count > 0 ? new DagCode(request.SourceHash, request.Path, request.Content) : null)
        {
            Shared = dags.Any(d => d.SharedHash is not null) ? request.Shared : null,
        };
    }

    private ChildProcess? TakeIdle()
    {
        while (_idle.TryTake(out var child))
        {
            if (!child.HasExited)
            {
                return child;
            }

            _ = child.DisposeAsync().AsTask();
        }

        return null;
    }

    private static Parsed Failed(DagFileRequest request, DateTimeOffset now, string message) =>
        new(request.SourceHash, request.Shared?.SourceHash, now, [], [new ImportError(request.Path, 0, message)], null);

    /// <summary>
    /// All files' results in file order; a DAG id defined in two files is kept from the first, as the loader does. The
    /// shared code's import errors come back with every file of its folder: each is listed once.
    /// </summary>
    private static ParsedDagFiles Combine(List<string> files, Parsed[] results, List<ImportError> folderErrors)
    {
        var dags = new Dictionary<string, SerializedDag>(StringComparer.Ordinal);
        var errors = new List<ImportError>(folderErrors);
        var codes = new List<DagCode>();
        for (var i = 0; i < files.Count; i++)
        {
            errors.AddRange(results[i].Errors.Where(e => !errors.Contains(e)));
            if (results[i].Code is { } code)
            {
                codes.Add(code);
            }

            if (results[i].Shared is { } shared && !codes.Any(c => c.SourceHash == shared.SourceHash))
            {
                codes.Add(shared);
            }

            foreach (var dag in results[i].Dags)
            {
                if (dags.TryGetValue(dag.DagId, out var first))
                {
                    errors.Add(new ImportError(files[i], 0, $"DAG id '{dag.DagId}' is already defined in {first.Fileloc}; this definition is ignored."));
                    continue;
                }

                dags[dag.DagId] = dag;
            }
        }

        return new ParsedDagFiles([.. dags.Values], errors, files, codes);
    }

    private sealed record Parsed(string Hash, string? SharedHash, DateTimeOffset ParsedAt, IReadOnlyList<SerializedDag> Dags, IReadOnlyList<ImportError> Errors, DagCode? Code)
    {
        /// <summary>The shared-code bundle the file's DAGs were built with, when they use it.</summary>
        public DagCode? Shared { get; init; }
    }
}
