using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Triggers;
using Updraft.Providers;
using Updraft.Scheduling.Triggering;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// <see cref="RabbitMqTrigger"/> against a real broker (<see cref="RabbitMqServer"/>, a virtual host for this class):
/// the messages it yields, acknowledgement once stored, and an asset watcher on a queue through the whole orchestrator.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class RabbitMqTriggerTests(RabbitMqServer server, PostgresServer postgres) : IAsyncLifetime
{
    private readonly List<string> _log = [];
    private string _virtualHost = "";

    public async Task InitializeAsync() => _virtualHost = await server.CreateVirtualHostAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task RunAsync_YieldsEachMessageWithItsBodyAndProperties_AndRedeliversOnlyWhatWasNotStored()
    {
        var queue = "orders-" + Guid.NewGuid().ToString("N")[..8];
        var trigger = new RabbitMqTrigger { Queue = queue, ConnectionId = "mq" };
        await using (var publisher = await OpenChannelAsync())
        {
            await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await PublishAsync(publisher, queue, "{\"order\": 1, \"items\": [\"a\"]}", new BasicProperties { MessageId = "m-1" });
            await PublishAsync(publisher, queue, "plain text, not JSON", new BasicProperties());
            await PublishAsync(publisher, queue, "3", new BasicProperties
            {
                Headers = new Dictionary<string, object?> { ["source"] = Encoding.UTF8.GetBytes("shop"), ["attempt"] = 2 },
            });
        }

        var first = await TakeAsync(trigger, 3, storeFirst: 2);

        Assert.Equal(
            new JsonObject
            {
                ["body"] = new JsonObject { ["order"] = 1, ["items"] = new JsonArray("a") },
                ["routing_key"] = queue,
                ["exchange"] = "",
                ["message_id"] = "m-1",
                ["headers"] = new JsonObject(),
                ["redelivered"] = false,
            }.ToJsonString(),
            first[0].ToJsonString());
        Assert.Equal("plain text, not JSON", first[1]["body"]!.GetValue<string>());
        Assert.Null(first[1]["message_id"]);
        Assert.Equal(3, first[2]["body"]!.GetValue<int>());
        Assert.Equal("{\"source\":\"shop\",\"attempt\":\"2\"}", first[2]["headers"]!.ToJsonString());
        Assert.Contains(_log, l => l.Contains($"Consuming queue '{queue}'", StringComparison.Ordinal));

        // Started again: the message whose event was not stored comes again, marked redelivered; the stored ones do not.
        var again = Assert.Single(await TakeAsync(trigger, 1, storeFirst: 1));
        Assert.Equal(3, again["body"]!.GetValue<int>());
        Assert.True(again["redelivered"]!.GetValue<bool>());
        await using var check = await OpenChannelAsync();
        Assert.Equal(0u, (await check.QueueDeclarePassiveAsync(queue)).MessageCount);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AnAssetWatcherOnAQueue_RecordsAnEventWithTheMessage_AndStartsTheDagScheduledOnTheAsset(string database)
    {
        var queue = "orders-" + Guid.NewGuid().ToString("N")[..8];
        await using var o = await Orchestra.CreateAsync(database == "postgres" ? postgres.CreateDatabase() : null, new() { ["UPDRAFT_CONN_ORDERS_MQ"] = server.Uri(_virtualHost) });
        o.WriteDag("queued.cs", $$"""
            public sealed class Source_queued : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var orders = new Asset("orders_queue") { Watchers = [new AssetWatcher("orders_queue", new RabbitMqTrigger { Queue = "{{queue}}", ConnectionId = "orders_mq" })] };
                    var dag = new Dag("queued", schedule: orders, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    dag.Task("load", ctx => string.Join(",", ctx.TriggeringAssetEvents.Select(e => e.Extra["body"]!["order"]!.GetValue<int>())));
                    yield return dag;
                }
            }
            """);
        await o.ProcessAsync();
        var (engine, _) = o.NewScheduler();
        var triggerer = new Triggerer(
            o.Database,
            o.Context.TriggerKwargs,
            new TriggererOptions { PollInterval = TimeSpan.FromMilliseconds(100), LogFolder = o.LogFolder },
            TimeProvider.System,
            NullLogger<Triggerer>.Instance)
        {
            Connections = o.Context.SecretsOn(o.Database),
        };
        await triggerer.StartAsync(CancellationToken.None);
        var stopped = false;
        try
        {
            // Declared here too: a message published before the watcher declared the queue would go nowhere.
            await using var publisher = await OpenChannelAsync();
            await publisher.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            await PublishAsync(publisher, queue, "{\"order\": 42}", new BasicProperties { MessageId = "order-42" });
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await new DagRunStore(o.Database).ListAsync("queued", null, 100) is not [{ State: DagRunState.Success }, ..])
            {
                await engine.RunOnceAsync(limit.Token);
                await Task.Delay(50, limit.Token);
            }

            var run = Assert.Single(await new DagRunStore(o.Database).ListAsync("queued", null, 100));
            Assert.Equal("dataset_triggered", run.RunType);
            Assert.Equal("\"42\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("queued", run.RunId, "load", -1, "return_value")));
            await using var connection = await o.Database.OpenAsync();
            var extra = JsonNode.Parse(Assert.Single(await connection.QueryAsync<string>("SELECT extra FROM asset_event")))!;
            Assert.Equal("{\"order\":42}", extra["body"]!.ToJsonString());
            Assert.Equal("order-42", extra["message_id"]!.GetValue<string>());
            Assert.Equal("orders_queue", extra["from_watcher"]!.GetValue<string>());

            // Stored, so acknowledged: nothing waits in the queue, nor is held unacknowledged by the watcher.
            await triggerer.StopAsync(CancellationToken.None);
            stopped = true;
            Assert.Equal(0u, (await publisher.QueueDeclarePassiveAsync(queue)).MessageCount);
        }
        finally
        {
            if (!stopped)
            {
                await triggerer.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task RunAsync_WrongPassword_FailsSayingTheLoginWasRefused_WithoutThePassword()
    {
        const string wrong = "not-the-Pa55word";
        var trigger = new RabbitMqTrigger { Queue = "orders", ConnectionId = "mq" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TakeAsync(trigger, 1, storeFirst: 0, server.Uri(_virtualHost, wrong)));

        Assert.Equal($"RabbitMQ at 127.0.0.1:{server.Port} (virtual host '{_virtualHost}') refused the login of user 'updraft' (connection 'mq'): check its login and password.", error.Message);
        Assert.DoesNotContain(wrong, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(_log, l => l.Contains(wrong, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_UnknownConnection_FailsNamingIt()
    {
        var trigger = new RabbitMqTrigger { Queue = "orders", ConnectionId = "nowhere" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TakeAsync(trigger, 1, storeFirst: 0));

        Assert.StartsWith("The connection 'nowhere' is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ConnectionOfAnotherType_FailsSayingItNeedsAmqp()
    {
        var trigger = new RabbitMqTrigger { Queue = "orders", ConnectionId = "mq" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TakeAsync(trigger, 1, storeFirst: 0, "http://updraft:secret@127.0.0.1:1/"));

        Assert.StartsWith("The connection 'mq' is of type 'http', but RabbitMqTrigger needs an 'amqp' connection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Serialize_RoundTripsItsArguments_AndTheTriggererFindsItsType()
    {
        var trigger = new RabbitMqTrigger { Queue = "orders", ConnectionId = "mq", DeclareQueue = false, Prefetch = 5 };

        var kwargs = trigger.Serialize();
        var type = TriggerTypes.Resolve(trigger.TypeName);

        Assert.Equal(typeof(RabbitMqTrigger), type);
        var rebuilt = Assert.IsType<RabbitMqTrigger>(Trigger.Deserialize(type!, kwargs));
        Assert.Equal(("orders", "mq", false, 5), (rebuilt.Queue, rebuilt.ConnectionId, rebuilt.DeclareQueue, rebuilt.Prefetch));
    }

    /// <summary>Runs the trigger until it yields <paramref name="count"/> events, storing the first <paramref name="storeFirst"/>, then stops it.</summary>
    private async Task<List<JsonObject>> TakeAsync(RabbitMqTrigger trigger, int count, int storeFirst, string? connectionUri = null)
    {
        var context = new TriggerContext
        {
            Log = new TaskLogger(new LineSink(_log), TimeProvider.System, "triggerer"),
            Connections = new EnvironmentSecrets(new Dictionary<string, string> { ["UPDRAFT_CONN_MQ"] = connectionUri ?? server.Uri(_virtualHost) }),
        };
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var payloads = new List<JsonObject>();
        await foreach (var @event in trigger.RunAsync(context, limit.Token))
        {
            payloads.Add(Assert.IsType<JsonObject>(@event.Payload));
            if (payloads.Count <= storeFirst)
            {
                await Assert.IsType<Func<CancellationToken, Task>>(@event.Stored)(limit.Token);
            }

            if (payloads.Count == count)
            {
                break;
            }
        }

        return payloads;
    }

    private async Task<Client> OpenChannelAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(server.Uri(_virtualHost)) };
        var connection = await factory.CreateConnectionAsync();
        return new Client(connection, await connection.CreateChannelAsync());
    }

    private static async Task PublishAsync(Client client, string queue, string body, BasicProperties properties)
    {
        properties.Persistent = true;
        await client.Channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>The test's own client of the broker: it publishes and looks at queues.</summary>
    private sealed class Client(IConnection connection, IChannel channel) : IAsyncDisposable
    {
        public IChannel Channel => channel;

        public Task<QueueDeclareOk> QueueDeclareAsync(string queue, bool durable, bool exclusive, bool autoDelete) =>
            channel.QueueDeclareAsync(queue, durable, exclusive, autoDelete);

        public Task<QueueDeclareOk> QueueDeclarePassiveAsync(string queue) => channel.QueueDeclarePassiveAsync(queue);

        public async ValueTask DisposeAsync()
        {
            await channel.CloseAsync();
            await connection.CloseAsync();
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
