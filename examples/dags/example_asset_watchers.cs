// Event-driven scheduling: assets with watchers. A file dropped into /tmp/updraft_example_inbox (a FileDropTrigger the
// triggerer runs) or a signed POST to /webhooks/example_push on the API server (a WebhookTrigger, its secret the
// password of connection example_webhook) records an event of its asset, and so starts this DAG. Its watchers are
// inactive while it is paused (as examples start), so unpause it first.
//
//   updraft dags unpause example_asset_watchers
//   mkdir -p /tmp/updraft_example_inbox && echo "id,amount" > /tmp/updraft_example_inbox/orders.csv
//   updraft connections add example_webhook --conn-type generic --conn-password s3cret
//   body='{"ref":"main"}'; curl -X POST http://127.0.0.1:8080/webhooks/example_push -d "$body" \
//     -H "X-Hub-Signature-256: sha256=$(printf %s "$body" | openssl dgst -sha256 -hmac s3cret -r | cut -d' ' -f1)"
//
// Each message on the RabbitMQ queue example_orders (a RabbitMqTrigger, its broker the amqp connection
// example_rabbitmq) records an event of example_queue_messages, the message in its extra. The watcher connects only
// when a triggerer runs it: parsing this file and `dags test` need no broker.
//
//   updraft connections add example_rabbitmq --conn-uri amqp://guest:guest@127.0.0.1:5672/
public sealed class ExampleAssetWatchers : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dropped = new Asset("example_dropped_files")
        {
            Watchers = [new AssetWatcher("example_inbox", new FileDropTrigger { Folder = "/tmp/updraft_example_inbox", Pattern = "*.csv" })],
        };
        var pushes = new Asset("example_pushes")
        {
            Watchers = [new AssetWatcher("example_push", new WebhookTrigger { SecretConnectionId = "example_webhook" })],
        };

        var messages = new Asset("example_queue_messages")
        {
            Watchers = [new AssetWatcher("example_orders_queue", new RabbitMqTrigger { ConnectionId = "example_rabbitmq", Queue = "example_orders" })],
        };

        var dag = new Dag("example_asset_watchers", schedule: dropped | pushes | messages, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "assets"],
        };
        dag.Task("handle", ctx =>
        {
            foreach (var e in ctx.TriggeringAssetEvents)
            {
                ctx.Log.Info($"{e.AssetName}: {e.Extra.ToJsonString()}");
            }

            return ctx.TriggeringAssetEvents.Count;
        });
        yield return dag;
    }
}
