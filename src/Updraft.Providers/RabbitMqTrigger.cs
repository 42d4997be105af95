using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Updraft.Core.Connections;
using Updraft.Core.Triggers;

namespace Updraft.Providers;

/// <summary>
/// Fires once for each message on a RabbitMQ <see cref="Queue"/> (Airflow's <c>MessageQueueTrigger</c> of
/// <c>common.messaging</c>): meant for asset watchers, so a message published to the queue records an asset event. The
/// payload is <c>{"body", "routing_key", "exchange", "message_id", "headers", "redelivered"}</c>, the body parsed as
/// JSON when it is JSON and as UTF-8 text otherwise. A message is acknowledged only once its asset event is stored
/// (<see cref="TriggerEvent.Stored"/>): one the triggerer lost before that is delivered again, with
/// <c>redelivered</c> true, when the trigger starts again — at least once, so a consumer may see a message twice.
/// </summary>
/// <remarks>
/// The <see cref="ConnectionId"/> connection is of type <c>amqp</c>: host, port (default 5672), login, password, and
/// the schema as the virtual host (default <c>/</c>).
/// </remarks>
public sealed class RabbitMqTrigger : Trigger
{
    public const string DefaultConnId = "rabbitmq_default";

    public const int DefaultPort = 5672;

    /// <summary>The <c>amqp</c> connection to the broker.</summary>
    public string ConnectionId { get; init; } = DefaultConnId;

    /// <summary>The queue to consume.</summary>
    public required string Queue { get; init; }

    /// <summary>Declares the queue (durable) when it does not exist; when false, a missing queue is an error.</summary>
    public bool DeclareQueue { get; init; } = true;

    /// <summary>How many messages the broker hands over before the first is acknowledged (0: no limit).</summary>
    public int Prefetch { get; init; } = 100;

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(Queue))
        {
            throw new ArgumentException("RabbitMqTrigger needs a queue.");
        }

        if (Prefetch is < 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"RabbitMqTrigger's prefetch must be between 0 and {ushort.MaxValue}, not {Prefetch}.");
        }

        var connections = context.Connections ?? throw new InvalidOperationException("RabbitMqTrigger needs connections, which this triggerer does not have.");
        var settings = Settings(await connections.GetAsync(ConnectionId, cancellationToken)
            ?? throw new InvalidOperationException(
                $"The connection '{ConnectionId}' is not defined: add it with 'updraft connections add {ConnectionId} --conn-uri amqp://…' or UPDRAFT_CONN_{ConnectionId.ToUpperInvariant()}."));

        var deliveries = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        var (connection, channel) = await OpenAsync(settings, cancellationToken);
        try
        {
            await channel.BasicQosAsync(0, (ushort)Prefetch, global: false, cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                // The body's memory belongs to the client only until this handler returns: copy what is kept.
                deliveries.Writer.TryWrite(new Delivery(delivery.DeliveryTag, Payload(delivery)));
                return Task.CompletedTask;
            };
            consumer.UnregisteredAsync += (_, _) =>
            {
                deliveries.Writer.TryComplete(new InvalidOperationException($"RabbitMQ cancelled the consumer of queue '{Queue}' (was it deleted?)."));
                return Task.CompletedTask;
            };
            channel.ChannelShutdownAsync += (_, reason) =>
            {
                if (reason.Initiator != ShutdownInitiator.Application)
                {
                    // The broker went away or closed the channel: the trigger fails and its watcher starts it again.
                    deliveries.Writer.TryComplete(new InvalidOperationException(
                        $"RabbitMQ at {settings.Where} closed the channel consuming queue '{Queue}': {reason.ReplyCode} {reason.ReplyText}"));
                }

                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, cancellationToken);
            context.Log.Info($"Consuming queue '{Queue}' on RabbitMQ at {settings.Where} as {settings.Login}.");

            while (await deliveries.Reader.WaitToReadAsync(cancellationToken))
            {
                while (deliveries.Reader.TryRead(out var delivery))
                {
                    var tag = delivery.Tag;
                    yield return new TriggerEvent(delivery.Payload)
                    {
                        Stored = token => channel.BasicAckAsync(tag, multiple: false, token).AsTask(),
                    };
                }
            }
        }
        finally
        {
            // Unacknowledged messages go back to the queue as the channel closes.
            await CloseAsync(connection, channel);
        }
    }

    private async Task<(IConnection Connection, IChannel Channel)> OpenAsync(BrokerSettings settings, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = settings.Host,
            Port = settings.Port,
            UserName = settings.Login,
            Password = settings.Password,
            VirtualHost = settings.VirtualHost,
            ClientProvidedName = $"updraft watcher of {Queue}",

            // A lost connection fails the trigger and its watcher starts it again: recovering underneath would
            // re-deliver messages with new delivery tags while events for the old ones wait to be acknowledged.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
        };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (BrokerUnreachableException e) when (IsLoginRefused(e))
        {
            // The client's own messages are not repeated: they are not meant to carry secrets, but nothing promises it.
            throw new InvalidOperationException($"RabbitMQ at {settings.Where} refused the login of user '{settings.Login}' (connection '{ConnectionId}'): check its login and password.");
        }
        catch (BrokerUnreachableException e)
        {
            throw new InvalidOperationException($"RabbitMQ at {settings.Where} could not be reached (connection '{ConnectionId}'): {Scrub(Innermost(e).Message, settings.Password)}");
        }

        IChannel? channel = null;
        try
        {
            channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            try
            {
                await channel.QueueDeclarePassiveAsync(Queue, cancellationToken);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
                if (!DeclareQueue)
                {
                    throw new InvalidOperationException($"The queue '{Queue}' does not exist on RabbitMQ at {settings.Where}, and DeclareQueue is false.");
                }

                // A failed passive declare closes the channel: declare on a new one.
                await channel.DisposeAsync();
                channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken);
            }

            return (connection, channel);
        }
        catch
        {
            await CloseAsync(connection, channel);
            throw;
        }
    }

    private static async Task CloseAsync(IConnection connection, IChannel? channel)
    {
        try
        {
            if (channel is { IsOpen: true })
            {
                await channel.CloseAsync(CancellationToken.None);
            }

            if (connection.IsOpen)
            {
                await connection.CloseAsync(CancellationToken.None);
            }
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException or IOException or ObjectDisposedException)
        {
            // The broker is gone already: nothing is left to close.
        }
        finally
        {
            if (channel is not null)
            {
                await channel.DisposeAsync();
            }

            await connection.DisposeAsync();
        }
    }

    private BrokerSettings Settings(Connection connection)
    {
        if (!string.Equals(connection.ConnType, "amqp", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"The connection '{ConnectionId}' is of type '{connection.ConnType ?? "(none)"}', but RabbitMqTrigger needs an 'amqp' connection (amqp://login:password@host:port/vhost).");
        }

        var host = string.IsNullOrEmpty(connection.Host)
            ? throw new InvalidOperationException($"The connection '{ConnectionId}' has no host.")
            : connection.Host;
        return new BrokerSettings(
            host,
            connection.Port ?? DefaultPort,
            connection.Login ?? ConnectionFactory.DefaultUser,
            connection.Password ?? ConnectionFactory.DefaultPass,
            string.IsNullOrEmpty(connection.Schema) ? "/" : connection.Schema);
    }

    private static JsonObject Payload(BasicDeliverEventArgs delivery)
    {
        var properties = delivery.BasicProperties;
        var headers = new JsonObject();
        foreach (var (name, value) in properties.Headers ?? new Dictionary<string, object?>())
        {
            headers[name] = HeaderText(value);
        }

        return new JsonObject
        {
            ["body"] = Body(delivery.Body.Span),
            ["routing_key"] = delivery.RoutingKey,
            ["exchange"] = delivery.Exchange,
            ["message_id"] = properties.MessageId,
            ["headers"] = headers,
            ["redelivered"] = delivery.Redelivered,
        };
    }

    private static JsonNode? Body(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            if (JsonNode.Parse(ref reader) is { } parsed && reader.BytesConsumed == body.Length)
            {
                return parsed;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the text itself.
        }

        return JsonValue.Create(Encoding.UTF8.GetString(body));
    }

    /// <summary>A header as text: AMQP carries strings as bytes, and other values (numbers, lists, tables) as themselves.</summary>
    private static string? HeaderText(object? value) => value switch
    {
        null => null,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        AmqpTimestamp time => time.UnixTime.ToString(CultureInfo.InvariantCulture),
        IDictionary table => "{" + string.Join(", ", table.Keys.Cast<object>().Select(k => $"{k}: {HeaderText(table[k])}")) + "}",
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(HeaderText)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static bool IsLoginRefused(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationFailureException or PossibleAuthenticationFailureException)
            {
                return true;
            }
        }

        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner)
        {
            e = inner;
        }

        return e;
    }

    private static string Scrub(string message, string password) =>
        password.Length == 0 ? message : message.Replace(password, "***", StringComparison.Ordinal);

    private sealed record Delivery(ulong Tag, JsonObject Payload);

    private sealed record BrokerSettings(string Host, int Port, string Login, string Password, string VirtualHost)
    {
        /// <summary>Where the broker is, as messages name it (never with the password).</summary>
        public string Where => $"{Host}:{Port} (virtual host '{VirtualHost}')";

        // A record prints all its members: this one holds a password.
        public override string ToString() => Where;
    }
}
